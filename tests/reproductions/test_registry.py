"""The registry: names, papers, claims, experiments that resolve, unknown names, and a run's output folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reproductions.core import VERDICTS, RunContext
from reproductions.registry import UnknownReproduction, all_reproductions, get

TOPICS = {"activations", "optimizers", "schedules", "regularizers", "augment", "transfer"}


def test_every_entry_is_complete() -> None:
    reps = all_reproductions()
    assert len(reps) == len({r.name for r in reps}) >= 24
    assert {r.topic for r in reps} == TOPICS
    for rep in reps:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rep.name), rep.name
        assert rep.claim.strip() and rep.title.strip() and rep.papers, rep.name
        for paper in rep.papers:
            assert paper.title and paper.authors and 1950 < paper.year < 2030, (rep.name, paper)
            assert paper.link().startswith(("https://", "http://")), (rep.name, paper)
        assert callable(rep.load_experiment()), rep.name


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownReproduction) as caught:
        get("adamw")
    message = str(caught.value)
    assert "unknown reproduction 'adamw'" in message
    assert all(r.name in message for r in all_reproductions())


def test_a_run_creates_its_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "not" / "yet" / "there"
    result = get("adagrad-sparse").run(RunContext(smoke=True, out_dir=out))
    assert result.verdict in VERDICTS and result.figures
    assert all(Path(f).parent == out and Path(f).exists() for f in result.figures)
    assert result.params["mode"] == "smoke" and result.seconds > 0

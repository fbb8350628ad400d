"""The registry: names, papers, claims, experiments that resolve, unknown names, and a run's output folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reproductions.core import RunContext
from reproductions.registry import UnknownReproduction, all_reproductions, get
from tests.reproductions import assert_judged

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
    assert_judged(result)
    assert result.figures
    assert all(Path(f).parent == out and Path(f).exists() for f in result.figures)
    assert result.params["mode"] == "smoke" and result.seconds > 0


def test_importing_one_catalogue_first_does_not_hide_the_others() -> None:
    # a fresh interpreter: import one catalogue (it registers only its own), then ask the registry for all
    code = (
        "import reproductions.catalogue.transfer; from reproductions.registry import all_reproductions, get;"
        "topics = {r.topic for r in all_reproductions()}; print(sorted(topics)); get('adam')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(sorted(TOPICS))


def test_checks_are_marked_apart_from_reproductions() -> None:
    checks = {r.name for r in all_reproductions(kind="check")}
    assert {"activation-functions", "running-average", "nesterov-lookahead", "inverted-dropout-identity"} <= checks
    assert all(r.kind in ("reproduction", "check") for r in all_reproductions())
    assert "dead-relu" not in checks and "adam" not in checks and "inverted-dropout" not in checks


def test_name_and_claim_come_from_the_catalogue(tmp_path: Path) -> None:
    rep = get("running-average")
    result = rep.run(RunContext(smoke=True, out_dir=tmp_path))
    assert result.name == rep.name and result.claim == rep.claim
    assert result.judgement is not None and result.judgement.verdict == result.verdict


def test_no_experiment_writes_its_own_name_or_claim() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "reproductions" / "experiments"
    for path in root.glob("*.py"):
        text = path.read_text()
        assert "claim=" not in text and 'name="' not in text.replace('label="', ""), path.name

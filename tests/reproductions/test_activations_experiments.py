"""The activation reproductions: registered with their papers, torch-free catalogue, and a smoke run
of every experiment end to end."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from reproductions.core import Result, RunContext
from reproductions.registry import get
from tests.reproductions import assert_judged

NAMES = [
    "activation-functions",
    "sigmoid-saturation",
    "sigmoid-zigzag",
    "exp-cost",
    "relu-vs-tanh",
    "dead-relu",
    "prelu",
    "elu",
    "maxout",
    "rectifiers-vs-tanh",
    "he-init",
]


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_a_linked_paper(name):
    rep = get(name)
    assert rep.topic == "activations"
    assert rep.papers
    for paper in rep.papers:
        assert paper.title and paper.authors and paper.year and paper.venue
        assert paper.link().startswith("http")
    assert rep.claim
    # the method module and the experiment function exist
    __import__(rep.module)
    assert callable(rep.load_experiment())


def test_arxiv_ids_of_the_rectifier_papers():
    assert get("prelu").papers[0].arxiv == "1502.01852"
    assert get("elu").papers[0].arxiv == "1511.07289"
    assert get("maxout").papers[0].arxiv == "1302.4389"


def test_catalogue_does_not_import_torch():
    code = "import sys, reproductions.catalogue.activations; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", NAMES)
def test_smoke_run_gives_a_valid_result(name, tmp_path):
    rep = get(name)
    progress: list[float] = []
    ctx = RunContext(smoke=True, out_dir=tmp_path, progress=lambda msg, frac: progress.append(frac))
    result = rep.run(ctx)
    assert isinstance(result, Result)
    assert result.name == name
    assert_judged(result, get(name).kind)
    assert result.reason and result.measured and result.paper_figure
    assert result.metrics
    for metric in result.metrics:
        assert metric.values, metric.name
        assert all(math.isfinite(v) for v in metric.values), (metric.name, metric.values)
    assert result.figures
    for figure in result.figures:
        assert figure.exists()
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.params["mode"] == "smoke"
    assert "init" in result.params
    assert progress and max(progress) <= 1.0
    result.write(tmp_path)
    assert (tmp_path / "metrics.json").exists()

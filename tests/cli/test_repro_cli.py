"""`feedhub repro`: the registry listed, a run stored and linked to its paper, unknown names, no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reproductions.registry import all_reproductions


def feedhub(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=300)


def test_list_shows_every_registered_reproduction(home: Path) -> None:
    out = feedhub(home, "repro", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {r["name"] for r in rows} == {r.name for r in all_reproductions()}
    assert len(rows) >= 20
    for r in rows:
        assert r["claim"] and r["papers"], r["name"]
        assert r["last_verdict"] is None


def test_run_is_stored_linked_and_shown(home: Path, tmp_path: Path) -> None:
    rep = next(r for r in all_reproductions() if any(p.arxiv for p in r.papers))
    out_dir = tmp_path / "run"
    run = feedhub(home, "repro", "run", rep.name, "--smoke", "--seed", "3", "--out", str(out_dir), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    assert data["seed"] == 3 and data["mode"] == "smoke"
    assert (out_dir / "metrics.json").exists()
    assert data["figures"] and all(Path(f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in data["figures"])
    shown = json.loads(feedhub(home, "repro", "show", rep.name, "--json").stdout)
    assert [r["id"] for r in shown["runs"]] == [data["id"]]
    listed = {r["name"]: r for r in json.loads(feedhub(home, "repro", "list", "--json").stdout)}
    assert listed[rep.name]["last_verdict"] == data["verdict"]
    arxiv = next(p.arxiv for p in rep.papers if p.arxiv)
    paper = feedhub(home, "paper", "show", arxiv, "--json")
    assert paper.returncode == 0, paper.stderr
    assert rep.name in paper.stdout


def test_a_check_run_holds_in_the_json_and_the_table(home: Path, tmp_path: Path) -> None:
    run = feedhub(home, "repro", "run", "running-average", "--smoke", "--out", str(tmp_path / "run"), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["verdict"] == "holds"
    shown = feedhub(home, "repro", "show", "running-average")
    assert shown.returncode == 0 and "holds" in shown.stdout and "reproduced" not in shown.stdout, shown.stdout
    listed = {r["name"]: r for r in json.loads(feedhub(home, "repro", "list", "--json").stdout)}
    assert listed["running-average"]["last_verdict"] == "holds"


def test_unknown_name_lists_the_valid_ones(home: Path) -> None:
    out = feedhub(home, "repro", "run", "adamw-nonexistent")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "unknown reproduction 'adamw-nonexistent'" in out.stderr
    assert all(r.name in out.stderr for r in all_reproductions())


def test_without_torch_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDHUB_DB_URL", raising=False)
    name = all_reproductions()[0].name
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, n, p, t=None):\n"
        "        if n == 'torch' or n.startswith('torch.'): raise ModuleNotFoundError(n)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib.util\n"
        "importlib.util.find_spec = (lambda f: (lambda n, *a: None if n == 'torch' else f(n, *a)))(importlib.util.find_spec)\n"
        f"sys.argv = ['feedhub', 'repro', 'run', '{name}', '--quick']\n"
        "from feedhub.cli.main import main; main()\n"
    )
    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "pip install 'feedhub[repro]'" in out.stderr and "Traceback" not in out.stderr


def test_report_lists_every_claim_and_counts_checks_apart(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    done = feedhub(tmp_path / "home", "repro", "report", "--smoke", "--only", "sigmoid-saturation", "--only", "running-average", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for rep in all_reproductions():
        assert rep.name in text and rep.claim.split(".")[0][:40] in text, rep.name
    assert "not run" in text  # the others, honestly counted as such
    html_out = tmp_path / "report.html"
    again = feedhub(tmp_path / "home", "repro", "report", "--smoke", "--only", "running-average", "--out", str(html_out))
    assert again.returncode == 0, again.stderr
    page = html_out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "<script" not in page.lower()


@pytest.mark.parametrize(("args", "needle"), [
    (("--out", "report.pdf"), "end the name in .html or .md"),
    (("--only", "adamm", "--out", "r.md"), "unknown reproduction 'adamm'"),
    (("--quick", "--full"), "give one of --quick and --full"),
    (("--jobs", "0", "--out", "r.md"), "--jobs must be 1 or more"),
])
def test_report_bad_input_is_one_line(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    done = feedhub(tmp_path / "home", "repro", "report", *args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], done.stderr

"""The search, index, saved and recommend commands end to end (real store, real index)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from feedhub.cli.main import app


@pytest.fixture()
def cli_home(home, db_url):  # type: ignore[no-untyped-def]
    from feedhub.store import open_store
    from tests.search.conftest import populate

    home.mkdir(parents=True, exist_ok=True)
    engine = open_store(db_url)
    populate(engine)
    engine.dispose()
    return home


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_search_table_and_json(cli_home) -> None:  # type: ignore[no-untyped-def]
    out = run("search", "attention", "mechanisms")
    assert out.exit_code == 0 and "Attention Is All You Need" in out.stdout
    data = json.loads(run("search", "adam", "--json").stdout)
    assert data["hits"][0]["id"] == "1412.6980" and data["hits"][0]["saved_tags"] == ["optim", "reading-group"]
    assert set(data["hits"][0]) >= {"kind", "id", "title", "authors", "date", "stars", "snippet", "highlights"}


def test_search_options(cli_home) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run("search", "neural", "--since", "2015", "--category", "cs.CV", "--json").stdout)
    assert [h["id"] for h in data["hits"]] == ["1512.03385"]
    data = json.loads(run("search", "", "--saved", "--tag", "optim", "--json").stdout)
    assert [h["id"] for h in data["hits"]] == ["1412.6980"]


@pytest.mark.parametrize("args", [("search", "year:abc"), ("search", "--since", "soon", "x"), ("search", ""), ("paper", "save", "zzz")])
def test_errors_are_one_line(cli_home, args) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_index_commands(cli_home) -> None:  # type: ignore[no-untyped-def]
    assert "indexed 5 papers and 2 entries" in run("index", "rebuild").stdout
    status = json.loads(run("index", "status", "--json").stdout)
    assert status["documents"] == 7 and status["lag"] == {"papers": 0, "entries": 0}
    assert "updated 0 papers" in run("index", "sync").stdout


def test_save_saved_export_unsave(cli_home) -> None:  # type: ignore[no-untyped-def]
    assert "saved 1706.03762 [reading-group]" in run("paper", "save", "1706.03762", "--tag", "reading-group").stdout
    listed = json.loads(run("saved", "--tag", "reading-group", "--json").stdout)
    assert {r["id"] for r in listed} == {"1706.03762", "1412.6980", "1207.0580"}
    bib = run("saved", "export", "--format", "bibtex", "--tag", "reading-group").stdout
    assert bib.count("@misc{") == 3 and "vaswani2017attention" in bib
    assert "unsaved 1706.03762" in run("unsave", "1706.03762").stdout
    data = json.loads(run("search", "attention", "--saved", "--json").stdout)
    assert data["hits"] == []


def test_related_and_recommend(cli_home) -> None:  # type: ignore[no-untyped-def]
    rel = json.loads(run("paper", "related", "1512.03385", "--json").stdout)
    assert rel and all("similarity" in r for r in rel)
    rec = json.loads(run("recommend", "--since", "2010", "--json").stdout)
    assert {g["tag"] for g in rec} == {"optim", "reading-group"}


def test_help_does_not_import_heavy_modules() -> None:
    code = "import sys; from feedhub.cli.main import app; print([m for m in ('tantivy', 'sklearn', 'torch') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"

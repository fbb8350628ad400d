"""`feedhub paper show/link` and `feedhub import ...` through the real CLI (a real SQLite file in FEEDHUB_HOME)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from feedhub.cli.main import app

runner = CliRunner()


def snapshot_file(tmp_path: Path) -> Path:
    f = tmp_path / "snap.jsonl"
    rec = {"id": "1802.03268", "title": "ENAS", "abstract": "We propose ENAS.", "authors": "Hieu Pham",
           "authors_parsed": [["Pham", "Hieu", ""]], "categories": "cs.LG", "doi": None, "journal-ref": None,
           "comments": None, "versions": [{"version": "v1", "created": "Fri, 9 Feb 2018 18:43:52 GMT"},
                                          {"version": "v2", "created": "Mon, 12 Feb 2018 07:27:01 GMT"}],
           "update_date": "2018-02-12"}
    f.write_text(json.dumps(rec) + "\nnot json\n")
    return f


def test_import_show_link(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["import", "arxiv-snapshot", str(snapshot_file(tmp_path))])
    assert r.exit_code == 0, r.output
    assert "imported 1 papers" in r.output and "line 2 (not JSON)" in r.output
    r = runner.invoke(app, ["paper", "link", "arXiv:1802.03268v2", "https://github.com/melodyguan/enas/tree/master"])
    assert r.exit_code == 0 and "melodyguan/enas" in r.output
    r = runner.invoke(app, ["paper", "show", "https://arxiv.org/abs/1802.03268", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["title"] == "ENAS" and data["version"] == 2 and data["authors"] == ["Hieu Pham"]
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["code"] == [{"repo": "melodyguan/enas", "url": "https://github.com/melodyguan/enas", "stars": None,
                             "description": None, "provenance": "added by user", "official": False}]
    assert data["mentions"] == [] and data["reproductions"] == []
    r = runner.invoke(app, ["paper", "show", "1802.03268"])
    assert r.exit_code == 0 and "ENAS" in r.output and "added by user" in r.output


def test_import_json_output(home: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["import", "arxiv-snapshot", str(snapshot_file(tmp_path)), "--json"])
    data = json.loads(r.output)
    assert data["papers"] == 1 and data["bad_lines"] == 1 and data["bad_line_numbers"] == [2]
    f = tmp_path / "pwc.json"
    f.write_text(json.dumps([{"paper_arxiv_id": "1802.03268", "repo_url": "https://github.com/a/b", "is_official": True}]))
    r = runner.invoke(app, ["import", "pwc-links", str(f), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["official"] == 1


def test_bad_input_is_one_line(home: Path, tmp_path: Path) -> None:

    from feedhub.errors import FeedhubError

    for args, message in [
        (["paper", "show", "1802.0326"], "is not an arXiv id"),
        (["paper", "show", "1802.03268"], "no paper 1802.03268 in the store"),
        (["paper", "link", "1802.03268", "https://github.com/features/x"], "is not a GitHub repository"),
        (["import", "arxiv-snapshot", str(tmp_path / "missing.json")], "no such file"),
        (["import", "pwc-links", str(tmp_path / "missing.json")], "no such file"),
    ]:
        r = runner.invoke(app, args)
        assert r.exit_code != 0
        assert isinstance(r.exception, FeedhubError) and message in str(r.exception), (args, r.exception)

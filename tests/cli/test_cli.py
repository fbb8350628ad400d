"""The CLI as a user runs it: a real process, a real data dir; errors are one line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def feedhub(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a real process; the database is FEEDHUB_DB_URL when the `home` fixture set it
    (SQLite or PostgreSQL), else a SQLite file in ``home``."""
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, input=input, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr


def test_source_lifecycle_and_entries(tmp_path: Path, home: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Lab</title>'
                    "<item><title>Post one</title><guid>p1</guid><pubDate>Tue, 20 Feb 2018 10:00:00 GMT</pubDate></item>"
                    "</channel></rss>")
    out = feedhub(home, "source", "add", str(feed), "--name", "Lab", "--section", "posts")
    assert out.returncode == 0 and "added source 1" in out.stdout
    again = feedhub(home, "source", "add", feed.as_uri())
    assert "already subscribed as source 1" in again.stdout
    assert feedhub(home, "fetch").returncode == 0
    listed = json.loads(feedhub(home, "source", "list", "--json").stdout)
    assert [(s["id"], s["name"], s["section"], s["entries"], s["enabled"]) for s in listed] == [(1, "Lab", "posts", 1, True)]
    rows = json.loads(feedhub(home, "entries", "--since", "2018-02-19", "--json").stdout)
    assert [r["title"] for r in rows] == ["Post one"]
    assert json.loads(feedhub(home, "entries", "--since", "2018-02-21", "--json").stdout) == []
    assert feedhub(home, "source", "disable", "1").returncode == 0
    assert json.loads(feedhub(home, "source", "list", "--json").stdout)[0]["enabled"] is False
    assert feedhub(home, "source", "enable", "1").returncode == 0
    assert feedhub(home, "source", "remove", "1", input="y\n").returncode == 0
    assert json.loads(feedhub(home, "source", "list", "--json").stdout) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("source", "add", "ht tp://nope"), "invalid URL"),
        (("source", "add", "/no/such/feed.xml"), "no such file"),
        (("source", "add", "https://x.example/f", "--section", "gossip"), "unknown section"),
        (("source", "remove", "42"), "no source with id 42"),
        (("source", "enable", "42"), "no source with id 42"),
        (("entries", "--since", "last tuesday"), "invalid date"),
        (("entries", "--source", "7"), "no source with id 7"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], needle: str) -> None:
    monkeypatch.delenv("FEEDHUB_DB_URL", raising=False)
    assert_one_line_error(feedhub(tmp_path / "home", *args), needle)


def test_unreadable_file_source_records_error_and_run_goes_on(tmp_path: Path, home: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_text('<rss version="2.0"><channel><title>G</title><item><title>x</title><guid>1</guid></item></channel></rss>')
    gone = tmp_path / "gone.xml"
    gone.write_text(good.read_text())
    feedhub(home, "source", "add", str(gone))
    feedhub(home, "source", "add", str(good))
    gone.unlink()
    out = feedhub(home, "fetch", "--json")
    assert out.returncode == 2, out.stderr  # some sources failed
    by_id = {r["id"]: r for r in json.loads(out.stdout)}
    assert by_id[1]["status"] == "error" and "no such file" in by_id[1]["error"]
    assert by_id[2]["status"] == "ok" and by_id[2]["new"] == 1


def test_demo_loads_the_sample_week_and_asks_before_mixing(tmp_path: Path, home: Path) -> None:
    out = feedhub(home, "demo")
    assert out.returncode == 0, out.stderr
    assert "The Wild Week in ML" in out.stdout
    rows = json.loads(feedhub(home, "entries", "--limit", "500", "--json").stdout)
    titles = {r["title"] for r in rows}
    assert "Efficient Neural Architecture Search via Parameter Sharing" in titles
    assert "Deep contextualized word representations" in titles
    assert len(rows) >= 30
    # Re-running the demo adds nothing twice.
    feedhub(home, "demo")
    assert len(json.loads(feedhub(home, "entries", "--limit", "500", "--json").stdout)) == len(rows)
    # With the user's own source present, the demo asks first; "no" leaves the data alone.
    own = tmp_path / "own.xml"
    own.write_text('<rss version="2.0"><channel><title>Own</title></channel></rss>')
    feedhub(home, "source", "add", str(own))
    refused = feedhub(home, "demo", input="n\n")
    assert refused.returncode != 0 and "nothing loaded" in refused.stdout
    assert feedhub(home, "demo", "--yes").returncode == 0


def test_help_does_not_import_heavy_modules() -> None:
    code = "import sys, feedhub.cli.main; print(sorted(m for m in ('torch','tantivy','sklearn','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    out = feedhub(tmp_path / "home", "--version")
    assert out.returncode == 0 and out.stdout.startswith("feedhub ")

"""`feedhub fetch`, `source add` (discovery, --starter) and OPML as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.httpserver import Reply, rss


def feedhub(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200"}
    env.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=120)


def test_fetch_summary_table_json_and_private_refusal(tmp_path, server) -> None:
    home = tmp_path / "home"
    server.route("/a.xml", Reply(body=rss(items=3), etag='"a"'))
    server.route("/gone.xml", Reply(status=410))
    assert feedhub(home, "source", "add", "--no-check", server.url("/a.xml")).returncode == 0
    assert feedhub(home, "source", "add", "--no-check", server.url("/gone.xml")).returncode == 0
    refused = json.loads(feedhub(home, "fetch", "--json").stdout)
    assert all(r["status"] == "error" and "loopback" in r["error"] for r in refused)
    out = feedhub(home, "fetch", "--force", "--allow-private")
    assert out.returncode == 2, out.stderr  # one of the two failed (410: disabled): "some failed"
    assert "Traceback" not in out.stdout + out.stderr and out.stderr == ""  # piped: no progress bar
    assert "2 sources" in out.stdout and "3 new" in out.stdout and "disabled" in out.stdout
    again = json.loads(feedhub(home, "fetch", "--force", "--allow-private", "--quiet", "--json").stdout)
    assert [(r["id"], r["status"]) for r in again] == [(1, "not modified")]  # the 410 source is disabled
    assert set(again[0]) >= {"id", "name", "status", "new", "updated", "error", "next_check_at"}


def test_source_add_finds_the_feed_of_a_home_page(tmp_path, server) -> None:
    home = tmp_path / "home"
    server.route("/", Reply(body=b'<html><head><link rel="alternate" type="application/atom+xml" href="/atom.xml"></head></html>',
                            content_type="text/html"))
    server.route("/atom.xml", Reply(body=rss(title="The Lab Blog")))
    out = feedhub(home, "source", "add", "--allow-private", server.url("/"))
    assert out.returncode == 0, out.stderr
    assert f"chose {server.url('/atom.xml')}" in out.stdout and 'rel="alternate"' in out.stdout
    assert "added source 1: The Lab Blog" in out.stdout
    del server.routes["/atom.xml"]
    server.route("/nofeed", Reply(body=b"<html><body>nothing</body></html>", content_type="text/html"))
    failed = feedhub(home, "source", "add", "--allow-private", server.url("/nofeed"))
    assert failed.returncode == 1 and failed.stderr.startswith("error: no feed found") and len(failed.stderr.splitlines()) == 1


def test_source_add_offline_adds_as_given_with_a_warning(tmp_path) -> None:
    # A server that does not answer (nothing listens on port 9): added as given. --allow-private, since a
    # loopback URL without it is refused outright (issue 18: every fetch of it would be refused).
    out = feedhub(tmp_path / "home", "source", "add", "http://127.0.0.1:9/feed.xml", "--allow-private")
    assert out.returncode == 0 and "added source 1" in out.stdout and "could not check" in out.stderr


def test_starter_set(tmp_path) -> None:
    from feedhub.subscriptions.manage import starter_specs

    specs = starter_specs()
    arxiv = sorted(s.url.rsplit("/", 1)[1] for s in specs if s.kind == "arxiv")
    assert arxiv == ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML"]
    assert any("distill.pub" in s.url for s in specs) and len({s.url for s in specs}) == len(specs)
    assert all(s.section in ("news", "posts", "code", "papers") for s in specs)
    home = tmp_path / "home"
    first = feedhub(home, "source", "add", "--starter")
    assert first.returncode == 0 and f"{len(specs)} added, 0 already there" in first.stdout
    second = feedhub(home, "source", "add", "--starter")
    assert f"0 added, {len(specs)} already there" in second.stdout


def test_opml_commands(tmp_path) -> None:
    home = tmp_path / "home"
    opml = tmp_path / "in.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Papers"><outline text="LG" xmlUrl="https://rss.arxiv.org/rss/cs.LG"/>'
                    '<outline text="LG twice" xmlUrl="https://rss.arxiv.org/rss/cs.LG"/></outline></body></opml>')
    out = feedhub(home, "source", "import-opml", str(opml))
    assert out.returncode == 0 and "1 added, 1 duplicates, 0 skipped" in out.stdout
    exported = feedhub(home, "source", "export-opml")
    assert exported.returncode == 0 and 'xmlUrl="https://rss.arxiv.org/rss/cs.LG"' in exported.stdout
    target = tmp_path / "out.opml"
    assert feedhub(home, "source", "export-opml", str(target)).returncode == 0 and b"<opml" in target.read_bytes()
    bad = tmp_path / "bad.opml"
    bad.write_text("<<< not opml")
    failed = feedhub(home, "source", "import-opml", str(bad))
    assert failed.returncode == 1 and "not readable OPML" in failed.stderr and len(failed.stderr.splitlines()) == 1
    missing = feedhub(home, "source", "import-opml", str(tmp_path / "nope.opml"))
    assert missing.returncode == 1 and "no such file" in missing.stderr

"""`feedhub fetch` end to end: an entry mentions an arXiv id, the fetch looks the paper up on the
(loopback) arXiv API, and the search index finds it by its abstract's words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.httpserver import FeedServer, Reply

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        b"<item><title>A workshop's proceedings</title><guid>n1</guid><link>https://news.example/n1</link>"
        b"<description>Read it: https://arxiv.org/abs/1707.08567v1</description>"
        b"<pubDate>Mon, 31 Jul 2017 10:00:00 GMT</pubDate></item></channel></rss>")


def test_fetch_enriches_mentioned_papers_and_indexes_them(tmp_path: Path, fake_arxiv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("FEEDHUB_DB_URL", raising=False)
    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path / "home"), "FEEDHUB_ARXIV_ENRICH": "1",
           "FEEDHUB_ARXIV_API_URL": fake_arxiv.url, "FEEDHUB_ARXIV_DELAY": "0"}

    def feedhub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=120)

    with FeedServer() as server:
        url = server.route("/news.xml", Reply(body=FEED))
        assert feedhub("source", "add", url, "--no-check").returncode == 0
        out = feedhub("fetch", "--allow-private", "--json")
        assert out.returncode == 0, out.stderr
    assert [ids for _, ids in fake_arxiv.requests] == ["1707.08567"]
    paper = json.loads(feedhub("paper", "show", "1707.08567", "--json").stdout)
    assert paper["title"].startswith("Proceedings of Workshop AEW10")
    hits = json.loads(feedhub("search", "information theory workshop", "--json").stdout)
    assert "1707.08567" in json.dumps(hits)

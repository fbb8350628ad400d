"""Every read is bounded by the bytes actually read (issue 18, item 1): ``file:///dev/zero``, an endless
HTTP body, a chunked stream without end, a gzip bomb and an honest but huge body each end as one error on
their source, the rest of the run goes on, and `feedhub fetch` stays under 500 MB whatever they send."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from .conftest import assert_clean, env_for, feedhub
from .hostile_server import HostileServer, peak_rss_mib

GOAL_MIB = 500


def test_fetch_stays_bounded_whatever_a_source_sends(tmp_path: Path) -> None:
    home = tmp_path / "home"
    opml = tmp_path / "hostile.opml"
    with HostileServer() as server:
        urls = ["file:///dev/zero", *(server.url(p) for p in ("/endless", "/chunked", "/bomb", "/big", "/fine"))]
        opml.write_text('<opml version="2.0"><body>' + "".join(f'<outline text="s{i}" xmlUrl="{u}"/>' for i, u in enumerate(urls))
                        + "</body></opml>")
        assert_clean(feedhub(home, "source", "import-opml", str(opml), "--allow-files"))
        status, peak, stdout, stderr = peak_rss_mib([sys.executable, "-m", "feedhub", "fetch", "--allow-private", "--json"], env_for(home))
    assert "Traceback" not in stderr and "this is a bug" not in stderr, stderr
    assert status == 2, stderr  # some sources failed (issue 19: 2 when some failed, 3 when all did)
    results = {r["url"] if "url" in r else r["name"]: r for r in json.loads(stdout)}
    by_status = sorted((r["status"], (r["error"] or "")[:40]) for r in results.values())
    assert sum(s == "error" for s, _ in by_status) == 5 and sum(s == "ok" for s, _ in by_status) == 1, by_status
    errors = sqlite3.connect(home / "feedhub.db").execute("SELECT url, last_error FROM sources WHERE last_error IS NOT NULL").fetchall()
    assert len(errors) == 5
    for url, error in errors:
        assert "limit" in error or "timed out" in error, (url, error)
    assert peak < GOAL_MIB, f"feedhub fetch peaked at {peak:.0f} MiB"


def test_every_local_read_stops_at_its_limit(store: Path, tmp_path: Path) -> None:
    # /dev/zero reports size 0 and never ends: each reader stops after its limit's bytes were read.
    from .conftest import assert_one_line, store_dump

    before = store_dump(store / "feedhub.db")
    assert_one_line(feedhub(store, "source", "import-opml", "/dev/zero", timeout=60), "over the 15 MiB limit for a subscription list")
    zeros = tmp_path / "zeros.json"
    with open(zeros, "wb") as f:
        f.write(b"\0" * (40 << 20))  # a 40 MiB "line"
    assert_one_line(feedhub(store, "import", "arxiv-snapshot", str(zeros), timeout=60), "a line of the file is over 16 MiB")
    (store / "config.toml").symlink_to("/dev/zero")
    assert_one_line(feedhub(store, "source", "list", timeout=60), "too large for a settings file")
    (store / "config.toml").unlink()
    assert store_dump(store / "feedhub.db") == before

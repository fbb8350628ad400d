"""Feed text is data in the terminal and in XML (issue 18, items 2 and 3): Rich markup in a title is
printed as itself, escape sequences never reach the terminal, and the Atom digest stays valid XML."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.httpserver import FeedServer, Reply

from .conftest import assert_clean, feedhub, store_dump

EVIL_FEED = "[/] evil [["
EVIL_ENTRY = "[/] x"
MARKUP = "[bold red]red[/bold red] [link=https://evil.example]click[/link]"
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b31m"


def _json_feed(title: str, items: list[tuple[str, str]]) -> bytes:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": "https://evil.example/",
        "items": [{"id": i, "url": f"https://evil.example/{i}", "title": t, "date_published": "2018-02-20T10:00:00Z"} for t, i in items],
    }).encode()


def test_markup_and_escapes_in_feed_text_are_printed_as_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    body = _json_feed(EVIL_FEED, [(EVIL_ENTRY, "1"), (MARKUP, "2"), ("clear" + ESCAPES + "screen", "3")])
    with FeedServer() as server:
        url = server.route("/feed.json", Reply(body=body, content_type="application/feed+json"))
        added = feedhub(home, "source", "add", url, "--allow-private")
        assert_clean(added)
        assert f"added source 1: {EVIL_FEED}" in added.stdout  # the feed's own title is the source's name
        outputs = {"source add": added}
        for args in (("source", "list"), ("fetch", "--allow-private"), ("entries",), ("search", "clear"),
                     ("source", "add", "--no-check", url + "?2", "--name", MARKUP + ESCAPES), ("source", "list")):
            proc = feedhub(home, *args)
            assert_clean(proc)
            outputs[" ".join(args[:2])] = proc
    listed = outputs["source list"].stdout
    assert EVIL_FEED in listed and MARKUP[:30] in listed
    assert EVIL_FEED in outputs["fetch --allow-private"].stdout
    entries = outputs["entries"].stdout
    assert EVIL_ENTRY in entries and "[bold red]red[/bold red]" in entries and "[link=https://evil.example]click[/link]" in entries
    assert "clear[2J]0;owned" in entries  # what is left of the sequences is plain text
    for name, proc in outputs.items():
        assert "\x1b" not in proc.stdout + proc.stderr and "\x9b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout, name
    stored = json.loads(feedhub(home, "entries", "--json").stdout)
    assert EVIL_ENTRY in {e["title"] for e in stored}  # stored as the feed wrote it (control characters aside)
    removed = feedhub(home, "source", "remove", "1", "--yes")
    assert_clean(removed)
    assert EVIL_FEED in removed.stdout


def test_the_atom_digest_is_valid_xml_whatever_the_titles_hold(tmp_path: Path) -> None:
    home = tmp_path / "home"
    feed = tmp_path / "ctl.json"
    feed.write_bytes(_json_feed("Control\x0bfeed", [("tab\x0bvt\x0cff\x07bel", "1")]))
    assert_clean(feedhub(home, "source", "add", str(feed)))
    assert_clean(feedhub(home, "fetch", "--quiet"))
    db = home / "feedhub.db"
    stored = sqlite3.connect(db).execute("SELECT title FROM entries").fetchone()[0]
    assert stored == "tab vt ff bel" or not set(stored) & {"\x0b", "\x0c", "\x07"}, stored  # cleaned at ingest
    # A title stored by an older feedhub (before ingest removed them) must not break the feed either.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE entries SET title = ?, summary = ?", ("old\x0b\x0c\x07title", "<p>old\x01summary</p>"))
    before = store_dump(db)
    for fmt in ("atom",):
        out = feedhub(home, "digest", "--week", "2018-W08", "--format", fmt)
        assert_clean(out)
        root = ET.fromstring(out.stdout.encode("utf-8"))  # raises on a character XML 1.0 forbids
        assert root.tag.endswith("feed")
        assert re.search(r"old\s?title", out.stdout)  # the title is there, its control characters are not
    after = store_dump(db)
    assert [line for line in after.splitlines() if "entries" in line] == [line for line in before.splitlines() if "entries" in line]

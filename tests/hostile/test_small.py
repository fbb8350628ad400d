"""The smaller items of issue 18 (item 10) and the processes left behind (item 9), through real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.httpserver import FeedServer, Reply, rss

from .conftest import assert_clean, assert_one_line, env_for, feedhub, store_dump


def test_a_thousand_nested_opml_folders_import(tmp_path: Path) -> None:
    home = tmp_path / "home"
    depth = 1000
    opml = tmp_path / "deep.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>' + '<outline text="f">' * depth
                    + '<outline text="Deep" xmlUrl="https://deep.example/feed.xml"/>' + "</outline>" * depth
                    + '<outline text="Top" xmlUrl="https://top.example/feed.xml"/></body></opml>', encoding="utf-8")
    out = feedhub(home, "source", "import-opml", str(opml), "--json")
    assert_clean(out)
    assert [a["url"] for a in json.loads(out.stdout)["added"]] == ["https://deep.example/feed.xml", "https://top.example/feed.xml"]
    exported = feedhub(home, "source", "export-opml")
    assert_clean(exported)
    assert exported.stdout.count("<outline") == 2 + 32  # the outer 32 folder levels are kept


def test_an_opml_naming_local_files_is_refused_unless_asked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    opml = tmp_path / "x.opml"
    opml.write_text('<opml version="2.0"><body><outline text="zero" xmlUrl="file:///dev/zero"/>'
                    '<outline text="keys" xmlUrl="/etc/passwd"/><outline text="web" xmlUrl="https://web.example/f.xml"/></body></opml>')
    out = feedhub(home, "source", "import-opml", str(opml), "--json")
    assert_clean(out)
    report = json.loads(out.stdout)
    assert [a["url"] for a in report["added"]] == ["https://web.example/f.xml"]
    assert [i["item"] for i in report["invalid"]] == ["zero", "keys"] and all("--allow-files" in i["reason"] for i in report["invalid"])
    allowed = json.loads(feedhub(home, "source", "import-opml", str(opml), "--json", "--allow-files").stdout)
    assert [a["url"] for a in allowed["added"]] == ["file:///dev/zero", "file:///etc/passwd"]


def test_invalid_utf8_in_a_name_is_stored_replaced(tmp_path: Path) -> None:
    home = tmp_path / "home"
    feed = tmp_path / "f.xml"
    feed.write_text(rss("F").decode())
    out = feedhub(home, "source", "add", str(feed), "--name", b"Lab \xff\xfe caf\xc3\xa9 \x1b[31m")
    assert_clean(out)
    (row,) = json.loads(feedhub(home, "source", "list", "--json").stdout)
    assert row["name"] == "Lab \ufffd\ufffd café [31m"


def test_a_very_long_name_is_refused_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    feed = tmp_path / "f.xml"
    feed.write_text(rss("F").decode())
    assert_one_line(feedhub(home, "source", "add", str(feed), "--name", "x" * 100_000, timeout=30), "--name is 100,000 characters long; give at most 200")
    assert not (home / "feedhub.db").exists() or json.loads(feedhub(home, "source", "list", "--json").stdout) == []


def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    assert_one_line(feedhub(home, "source", "list"), f"the data dir {home} is a file, not a folder")
    assert home.read_text() == "not a folder"


def test_db_in_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    target = tmp_path / "typo" / "feedhub.db"
    assert_one_line(feedhub(home, "--db", str(target), "source", "list"), f"the folder {target.parent} does not exist")
    assert not target.parent.exists()


def test_an_unsupported_database_url_says_so(tmp_path: Path) -> None:
    line = assert_one_line(feedhub(tmp_path / "home", "--db", "mysql://u@localhost/feeds", "source", "list"), "unsupported database 'mysql'")
    assert "feedhub[postgres]" not in line and "PostgreSQL" in line


def test_search_excludes_a_first_word_without_dashes(store: Path) -> None:
    for args in (("search", "-batch", "--json"), ("search", "post", "-batch", "--json")):
        out = feedhub(store, *args)
        assert_clean(out)
        assert [h["title"] for h in json.loads(out.stdout)["hits"]] == ["Post one"]


def test_a_loopback_url_is_not_added_without_allow_private(store: Path) -> None:
    before = store_dump(store / "feedhub.db")
    with FeedServer() as server:
        url = server.route("/feed.xml", Reply(body=rss("Local")))
        assert_one_line(feedhub(store, "source", "add", url), "is a loopback address")
        assert store_dump(store / "feedhub.db") == before
        assert_clean(feedhub(store, "source", "add", url, "--allow-private"))


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_parse_workers_exit_when_the_fetch_is_killed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[fetch]\nparse_workers = 1\nconcurrency = 2\n")
    with FeedServer() as server:
        urls = [server.route(f"/f{i}.xml", Reply(body=rss(f"F{i}", items=50, prefix=f"f{i}"), delay=0.3)) for i in range(40)]
        for url in urls:
            assert feedhub(home, "source", "add", "--no-check", url).returncode == 0
        proc = subprocess.Popen([sys.executable, "-m", "feedhub", "fetch", "--allow-private", "--quiet"], env=env_for(home),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        workers: list[int] = []
        try:
            for _ in range(600):  # until the pool's processes are up (bounded: 60 s)
                workers = [c for c in _children(proc.pid) if _alive(c)]
                if len(workers) >= 2:  # the resource tracker and one parse worker
                    break
                time.sleep(0.1)
            assert len(workers) >= 2, f"the fetch started no parse worker ({workers})"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            for _ in range(300):  # each must be gone soon after (bounded: 30 s)
                if not any(_alive(w) for w in workers):
                    break
                time.sleep(0.1)
            assert not [w for w in workers if _alive(w)], "processes left behind after SIGKILL of the fetch"
        finally:  # never leave them behind, even when the test fails
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
            for w in workers:
                if _alive(w):
                    os.kill(w, signal.SIGKILL)

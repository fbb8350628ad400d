"""`feedhub fetch` as cron runs it (issue 19): the exit status says whether sources failed, --quiet prints only
problems, broken feeds are errors (never "ok, 0 new"), notes are words (no library class names), a plain-HTTP
server on an https:// URL is diagnosed as such, Ctrl-C says what happened. Real processes, real servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.httpserver import Reply, Request, rss


def run(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=env, timeout=120, input=input)


def add(home: Path, url: str) -> None:
    out = run(home, "source", "add", "--no-check", url)
    assert out.returncode == 0, out.stderr


def test_exit_status_says_none_some_or_all_failed_and_quiet_prints_only_problems(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    server.route("/a.xml", Reply(body=rss(items=2)))
    server.route("/b.xml", Reply(body=rss(items=1, prefix="b")))
    add(home, server.url("/a.xml"))
    add(home, server.url("/b.xml"))
    ok = run(home, "--quiet", "fetch", "--allow-private")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "" and ok.stderr == ""  # cron mails nothing when all went well
    server.route("/b.xml", Reply(status=500))
    some = run(home, "fetch", "--quiet", "--force", "--allow-private")
    assert some.returncode == 2, some.stdout + some.stderr
    rows = [line for line in some.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 1 and rows[0].startswith("│ 2 ") and "HTTP 500" in rows[0]  # the failed source only
    assert "sources in" not in some.stdout  # no summary line either
    table = run(home, "fetch", "--force", "--allow-private")  # not quiet: the whole table, the same status
    assert table.returncode == 2 and "2 sources in" in table.stdout and "1 errors" in table.stdout
    server.route("/a.xml", Reply(status=404))
    every = run(home, "fetch", "--force", "--allow-private", "--json")
    assert every.returncode == 3
    assert [r["status"] for r in json.loads(every.stdout)] == ["error", "error"]
    helptext = run(home, "fetch", "--help").stdout
    assert "2 when some failed, 3 when all failed" in " ".join(helptext.split())


def test_quiet_names_only_the_failed_source(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    server.route("/fine.xml", Reply(body=rss(title="Fine feed")))
    server.route("/broken.xml", Reply(status=500))
    add(home, server.url("/fine.xml"))
    add(home, server.url("/broken.xml"))
    out = run(home, "fetch", "--quiet", "--allow-private")
    assert out.returncode == 2
    rows = [line for line in out.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 1 and rows[0].startswith("│ 2 ") and "HTTP 500" in rows[0]  # source 2 only


def test_invalid_xml_and_id_less_json_feed_are_errors_not_ok_zero_new(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    server.route("/broken.xml", Reply(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>T & U</title></channel></rss>'))
    server.route("/noid.json", Reply(body=json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                                                      "items": [{"url": "https://example.org/1", "title": "one"},
                                                                {"url": "https://example.org/2", "title": "two"}]}).encode(),
                                     content_type="application/feed+json"))
    server.route("/someid.json", Reply(body=json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                                                        "items": [{"id": "1", "title": "one"}, {"title": "two"}]}).encode(),
                                       content_type="application/feed+json"))
    server.route("/recovered.xml", Reply(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A & B</title></item>'))
    for path in ("/broken.xml", "/noid.json", "/someid.json", "/recovered.xml"):
        add(home, server.url(path))
    out = run(home, "fetch", "--allow-private", "--json")
    by_id = {r["id"]: r for r in json.loads(out.stdout)}
    assert out.returncode == 2
    assert by_id[1]["status"] == "error" and "not well-formed XML at line 1" in by_id[1]["error"] and "no item" in by_id[1]["error"]
    # Items without the spec's id are kept, keyed by URL or content (issue 18), and the source says so (issue 19).
    assert by_id[2]["status"] == "ok" and by_id[2]["new"] == 2 and by_id[2]["warning"].startswith("2 of 2 items have no id")
    assert by_id[3]["status"] == "ok" and by_id[3]["new"] == 2 and by_id[3]["warning"].startswith("1 of 2 items have no id")
    assert by_id[4]["status"] == "ok" and by_id[4]["new"] == 1
    assert by_id[4]["warning"] == "the feed is not well-formed XML at line 1, column 98 (not well-formed (invalid token)); read 1 item anyway"
    table = run(home, "fetch", "--force", "--allow-private", "--quiet")  # the table says "warning", not a bare "ok"
    rows = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if line.startswith("│")}
    assert "warning" in rows["2"] and "warning" in rows["3"] and "error" in rows["1"]
    for r in by_id.values():
        assert "Exception" not in json.dumps(r) and "SAX" not in json.dumps(r)


def test_notes_are_words_not_library_class_names(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    server.route("/feed", Reply(body=rss(items=1), content_type="text/html; charset=utf-8"))
    add(home, server.url("/feed"))
    out = run(home, "fetch", "--allow-private", "--json")
    [r] = json.loads(out.stdout)
    assert out.returncode == 0 and r["status"] == "ok" and r["new"] == 1
    assert r["warning"] == "served as text/html, not as a feed type; read anyway"
    table = run(home, "source", "list", "--json")
    assert "NonXMLContentType" not in table.stdout


def test_plain_http_server_on_an_https_url_is_diagnosed_as_such(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The standard library's HTTP server answers a TLS ClientHello with a plain "400 Bad request", as nginx
    # or Apache on a plain port do: the client's TLS layer sees a wrong record version.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    plain = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=plain.serve_forever, daemon=True)
    thread.start()
    try:
        home = tmp_path / "home"
        add(home, f"https://127.0.0.1:{plain.server_address[1]}/feed.xml")
        out = run(home, "fetch", "--allow-private", "--json")
    finally:
        plain.shutdown()
        plain.server_close()
    [r] = json.loads(out.stdout)
    assert out.returncode == 3 and r["status"] == "error"
    assert r["error"].startswith("the server answered in plain HTTP, not TLS") and "--url http://" in r["error"]
    assert "certificate" not in r["error"] and "SSL" not in r["error"]


def test_ctrl_c_during_fetch_says_interrupted(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    arrived = threading.Event()

    def slow(request: Request) -> Reply:
        arrived.set()
        return Reply(body=rss(), delay=60)

    server.route("/slow.xml", slow)
    add(home, server.url("/slow.xml"))
    env = {**os.environ, "FEEDHUB_HOME": str(home), "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "feedhub", "fetch", "--allow-private"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert arrived.wait(60), "the fetch never reached the server"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].startswith("interrupted; what was committed before is kept")
    assert "Traceback" not in err


def test_first_fetch_of_a_new_data_dir_does_not_announce_a_missing_index(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    server.route("/a.xml", Reply(body=rss(items=2)))
    add(home, server.url("/a.xml"))
    first = run(home, "fetch", "--allow-private")
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert (home / "index").is_dir()  # built all the same
    hits = run(home, "search", "item", "--json")
    assert hits.returncode == 0 and len(json.loads(hits.stdout)["hits"]) == 2

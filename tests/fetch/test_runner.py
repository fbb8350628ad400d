"""Fetching real bytes from a real loopback server: conditional GET, redirects, status codes, faults."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import replace
from datetime import timedelta

import pytest

from feedhub import USER_AGENT
from feedhub.store.types import utcnow
from tests.fetch.fetchutil import add, entry_count, fetch, result, source_row
from tests.httpserver import Reply, rss

LM = "Mon, 19 Feb 2018 10:00:00 GMT"


def test_conditional_get_with_etag_stores_then_not_modified(engine, server, cfg) -> None:
    url = server.route("/feed.xml", Reply(body=rss(items=3), etag='"v1"'))
    sid = add(engine, url)
    first = result(fetch(engine, cfg), sid)
    assert (first.status, first.new, first.updated) == ("ok", 3, 0)
    assert source_row(engine, sid).etag == '"v1"'
    second = result(fetch(engine, cfg, force=True), sid)
    assert second.status == "not modified" and second.new == 0
    assert server.hits("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
    assert entry_count(engine, sid) == 3


def test_conditional_get_with_last_modified(engine, server, cfg) -> None:
    url = server.route("/lm.xml", Reply(body=rss(), last_modified=LM))
    sid = add(engine, url)
    assert result(fetch(engine, cfg), sid).status == "ok"
    assert source_row(engine, sid).last_modified == LM
    assert result(fetch(engine, cfg, force=True), sid).status == "not modified"
    assert server.hits("/lm.xml")[-1].headers["if-modified-since"] == LM


def test_user_agent_names_feedhub_and_its_url(engine, server, cfg) -> None:
    sid = add(engine, server.route("/ua.xml", Reply(body=rss())))
    fetch(engine, cfg)
    sent = server.hits("/ua.xml")[0].headers
    assert sent["user-agent"] == USER_AGENT and "feedhub" in USER_AGENT and "https://" in USER_AGENT
    assert "gzip" in sent["accept-encoding"]
    assert result(fetch(engine, cfg, force=True), sid).status == "ok"


def test_gzip_body_is_decoded(engine, server, cfg) -> None:
    sid = add(engine, server.route("/gz.xml", Reply(body=rss(items=4), gzip=True)))
    r = result(fetch(engine, cfg), sid)
    assert (r.status, r.new) == ("ok", 4)


@pytest.mark.parametrize(("status", "moves"), [(301, True), (308, True), (302, False), (307, False)])
def test_redirects_update_the_url_only_when_permanent(engine, server, cfg, status, moves) -> None:
    new = server.route("/new.xml", Reply(body=rss(items=2)))
    old = server.route("/old.xml", Reply(status=status, location="/new.xml"))
    sid = add(engine, old)
    r = result(fetch(engine, cfg), sid)
    assert (r.status, r.new) == ("ok", 2)
    assert source_row(engine, sid).url == (new if moves else old)


def test_permanent_redirect_to_an_existing_source_keeps_both(engine, server, cfg) -> None:
    new = server.route("/new.xml", Reply(body=rss(items=2)))
    old = server.route("/old.xml", Reply(status=301, location=new))
    add(engine, new)
    sid = add(engine, old)
    r = result(fetch(engine, cfg), sid)
    assert r.status == "ok" and "already source" in (r.warning or "")
    assert source_row(engine, sid).url == old


def test_410_disables_the_source_and_keeps_its_entries(engine, server, cfg) -> None:
    sid = add(engine, server.route("/gone.xml", Reply(body=rss(items=2))))
    fetch(engine, cfg)
    server.route("/gone.xml", Reply(status=410))
    r = result(fetch(engine, cfg, force=True), sid)
    assert r.status == "disabled" and "410" in (r.error or "")
    row = source_row(engine, sid)
    assert row.enabled is False and entry_count(engine, sid) == 2
    assert fetch(engine, cfg, force=True).results == []  # disabled sources are not fetched


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(("retry", "expected"), [("120", 120), ("http-date", 3600)])
def test_retry_after_is_honoured(engine, server, cfg, status, retry, expected) -> None:
    if retry == "http-date":
        from email.utils import format_datetime

        retry = format_datetime(utcnow() + timedelta(seconds=3600), usegmt=True)
    sid = add(engine, server.route("/busy.xml", Reply(status=status, headers={"Retry-After": retry})))
    before = utcnow()
    r = result(fetch(engine, cfg), sid)
    assert r.status == "error" and str(status) in (r.error or "")
    wait = (source_row(engine, sid).next_check_at - before).total_seconds()
    assert expected - 5 <= wait <= expected + 5


def test_errors_back_off_then_pause_until_force(engine, server, cfg) -> None:
    sid = add(engine, server.route("/broken.xml", Reply(status=500)))
    waits = []
    for _ in range(3):
        before = utcnow()
        r = result(fetch(engine, cfg, force=True), sid)
        assert r.status == "error" and "500" in (r.error or "")
        waits.append((source_row(engine, sid).next_check_at - before).total_seconds())
    assert waits[0] < waits[1] < waits[2]  # exponential back-off
    assert r.paused and source_row(engine, sid).error_count == 3
    # Not due, and paused: a plain run skips it even when the time has come.
    assert fetch(engine, cfg).results == []
    skipped = result(fetch(engine, cfg, source_ids=[sid]), sid)
    assert skipped.status == "paused" and "--force" in (skipped.error or "")
    server.route("/broken.xml", Reply(body=rss(items=1)))
    healed = result(fetch(engine, cfg, force=True), sid)
    assert healed.status == "ok" and source_row(engine, sid).error_count == 0


def test_only_due_sources_are_fetched(engine, server, cfg) -> None:
    sid = add(engine, server.route("/due.xml", Reply(body=rss())))
    assert result(fetch(engine, cfg), sid).status == "ok"
    assert fetch(engine, cfg).results == []  # checked a moment ago: next check in an hour
    assert len(server.hits("/due.xml")) == 1


@pytest.mark.parametrize(
    ("reply", "hours"),
    [
        (Reply(body=rss()), 1),
        (Reply(body=rss(ttl=180)), 3),  # <ttl> minutes
        (Reply(body=rss(), headers={"Cache-Control": "public, max-age=7200"}), 2),
        (Reply(body=rss(ttl=60 * 24 * 30)), 24),  # a month-long TTL is capped at a day
        (Reply(body=rss(), headers={"Cache-Control": "max-age=60"}), 1),  # sooner than the default: default
    ],
)
def test_next_check_respects_ttl_and_cache_control_within_bounds(engine, server, cfg, reply, hours) -> None:
    sid = add(engine, server.route("/ttl.xml", reply))
    before = utcnow()
    assert result(fetch(engine, cfg), sid).status == "ok"
    wait = (source_row(engine, sid).next_check_at - before).total_seconds()
    assert abs(wait - hours * 3600) < 30


FAULTS = [
    ("trickle", Reply(body=rss(items=50), trickle=0.05), "timed out after 1.5 s"),
    ("reset", Reply(body=rss(items=50), reset_after=100), "connection reset"),
    ("oversize", Reply(body=b"<rss>" + b"x" * (2 * 1024 * 1024)), "over the 1 MiB limit"),
    ("bomb", Reply(body=gzip.compress(b"\0" * (64 * 1024 * 1024)), raw_encoding="gzip"), "over the 1 MiB limit"),
    ("truncated-gzip", Reply(body=gzip.compress(rss(items=40))[:-200], raw_encoding="gzip"), "truncated gzip"),
    ("silent", Reply(body=rss(), delay=3.0), "sent nothing for 1 s"),
    ("html", Reply(body=b"<!doctype html><html><head><title>Blog</title>"
                        b'<link rel="alternate" type="application/rss+xml" href="/blog/feed.xml"></head><body>hi</body></html>',
                   content_type="text/html"), "/blog/feed.xml"),
    ("empty", Reply(body=b""), "empty body"),
    ("500", Reply(status=500), "HTTP 500"),
    ("502", Reply(status=502), "HTTP 502"),
    ("404", Reply(status=404), "404"),
]


@pytest.mark.parametrize(("name", "reply", "needle"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_is_one_line_on_that_source_and_the_rest_of_the_run_is_stored(engine, server, cfg, name, reply, needle) -> None:
    bad = add(engine, server.route("/bad.xml", Reply(body=rss(items=2, prefix="old"), etag='"old"')))
    good = add(engine, server.route("/good.xml", Reply(body=rss(items=3))))
    fetch(engine, cfg)  # both stored once
    server.route("/bad.xml", reply)
    server.route("/good.xml", Reply(body=rss(items=5)))
    report = fetch(engine, cfg, force=True)  # a fault ends at the source's deadline (cfg), never hangs the run
    r = result(report, bad)
    assert r.status == "error" and needle in (r.error or ""), r.error
    assert "\n" not in (r.error or "")
    assert (result(report, good).status, result(report, good).new) == ("ok", 2)
    # Nothing stored is lost: the old entries and the validator stay; the error is on the source.
    row = source_row(engine, bad)
    assert entry_count(engine, bad) == 2 and row.etag == '"old"'
    assert row.error_count == 1 and row.last_error == r.error


def test_redirect_loop_and_too_many_redirects(engine, server, cfg) -> None:
    loop = add(engine, server.route("/a", Reply(status=302, location="/b")))
    server.route("/b", Reply(status=302, location="/a"))
    for i in range(15):
        server.route(f"/r{i}", Reply(status=302, location=f"/r{i + 1}"))
    chain = add(engine, server.url("/r0"))
    report = fetch(engine, cfg)
    assert "redirect loop" in (result(report, loop).error or "")
    assert "more than 10 redirects" in (result(report, chain).error or "")


def test_dns_failure_is_one_line(engine, server, cfg) -> None:
    from feedhub.fetch.guard import ResolveError

    async def resolver(host: str, port: int) -> list[str]:
        raise ResolveError(f"cannot resolve host {host}: Name or service not known; check the URL or your network")

    sid = add(engine, "http://no-such-host.invalid/feed.xml")
    ok = add(engine, server.route("/ok.xml", Reply(body=rss())))
    report = fetch(engine, replace(cfg, resolver=resolver))
    assert "cannot resolve host no-such-host.invalid" in (result(report, sid).error or "")
    assert result(report, ok).status == "ok"  # IP literals are not looked up


def test_connection_refused_is_one_line(engine, cfg) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sid = add(engine, f"http://127.0.0.1:{port}/feed.xml")
    assert "cannot connect" in (result(fetch(engine, cfg), sid).error or "")


def test_file_sources_still_work_beside_http(engine, server, cfg, tmp_path) -> None:
    path = tmp_path / "local.xml"
    path.write_bytes(rss(items=2, prefix="local"))
    local = add(engine, path.as_uri())
    remote = add(engine, server.route("/r.xml", Reply(body=rss(items=1))))
    report = fetch(engine, cfg)
    assert (result(report, local).new, result(report, remote).new) == (2, 1)


def test_per_host_and_global_limits(engine, two_servers, cfg) -> None:
    for host in two_servers.hosts:
        for i in range(6):
            add(engine, two_servers.url(f"/slow{i}.xml", host))
    for i in range(6):
        two_servers.route(f"/slow{i}.xml", Reply(body=rss(prefix=f"s{i}"), delay=0.3))
    report = fetch(engine, replace(cfg, per_host=2, concurrency=3, deadline=10))
    assert report.count("ok") == 12
    assert max(two_servers.max_inflight.values()) == 2
    assert two_servers.max_inflight_total == 3


def test_post_fetch_hook_gets_the_changed_entries(engine, server, cfg, monkeypatch, tmp_path) -> None:
    import sys
    import types

    from feedhub.config import Settings

    calls = []
    fake = types.ModuleType("feedhub.search.index")
    fake.update_after_fetch = lambda settings, eng, ids: calls.append((settings, sorted(ids)))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "feedhub.search.index", fake)
    add(engine, server.route("/h.xml", Reply(body=rss(items=2))))
    settings = Settings(home=tmp_path, db_url=str(engine.url))
    report = fetch(engine, cfg, settings=settings)
    assert calls == [(settings, sorted(report.changed_entry_ids))] and len(report.changed_entry_ids) == 2


def test_fetch_local_still_reads_file_sources(engine, tmp_path) -> None:
    from feedhub.fetch.runner import fetch_local

    path = tmp_path / "f.xml"
    path.write_bytes(rss(items=2))
    sid = add(engine, path.as_uri())
    [r] = fetch_local(engine, [sid])
    assert (r.status, r.new) == ("ok", 2)
    path.unlink()
    [r] = fetch_local(engine)
    assert r.status == "error" and "no such file" in (r.error or "")


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_zlib_and_raw(engine, server, cfg, wbits) -> None:
    c = zlib.compressobj(wbits=wbits)
    body = c.compress(rss(items=3)) + c.flush()
    sid = add(engine, server.route("/d.xml", Reply(body=body, raw_encoding="deflate")))
    assert result(fetch(engine, cfg), sid).new == 3


def test_multi_member_gzip(engine, server, cfg) -> None:
    data = rss(items=3)
    body = gzip.compress(data[:100]) + gzip.compress(data[100:])
    sid = add(engine, server.route("/m.xml", Reply(body=body, raw_encoding="gzip")))
    assert result(fetch(engine, cfg), sid).new == 3


def test_parsing_in_worker_processes_stores_the_same(engine, server, cfg) -> None:
    ids = [add(engine, server.route(f"/p{i}.xml", Reply(body=rss(items=3, prefix=f"p{i}")))) for i in range(4)]
    html = add(engine, server.route("/page", Reply(body=b"<!doctype html><html><body>hi</body></html>", content_type="text/html")))
    report = fetch(engine, replace(cfg, parse_workers=1, deadline=30))
    assert [result(report, i).new for i in ids] == [3, 3, 3, 3]
    assert "HTML page" in (result(report, html).error or "")


def test_config_from_settings_reads_fetch_section_and_allow_private(tmp_path) -> None:
    from feedhub.config import Settings
    from feedhub.errors import FeedhubError
    from feedhub.fetch.http import FetchConfig

    settings = Settings(home=tmp_path, db_url="sqlite://", file_config={"fetch": {"concurrency": 4, "deadline": 5}}, allow_private=True)
    cfg = FetchConfig.from_settings(settings)
    assert (cfg.concurrency, cfg.deadline, cfg.per_host, cfg.allow_private) == (4, 5, 2, True)
    with pytest.raises(FeedhubError, match="unknown \\[fetch\\] settings"):
        FetchConfig.from_settings(Settings(home=tmp_path, db_url="sqlite://", file_config={"fetch": {"concurency": 4}}))

"""HTTPS through the guarded connection pool: feedhub connects to the address it checked, yet TLS must verify
the certificate against the name in the URL (SNI and hostname check), over a real TLS server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import trustme  # dev dependency: makes the test certificate authority and the server's certificate

from feedhub.errors import FeedhubError
from tests.fetch.fetchutil import add, fetch, result, source_row
from tests.httpserver import FeedServer, Reply, rss


@pytest.fixture()
def ca():  # type: ignore[no-untyped-def]
    return trustme.CA()


@pytest.fixture()
def tls_server(ca) -> Iterator[FeedServer]:  # type: ignore[no-untyped-def]
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("feeds.test").configure_cert(ctx)
    with FeedServer(ssl_context=ctx) as s:
        yield s


@pytest.fixture()
def tls_cfg(cfg, ca, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Names resolved by a fake DNS to the loopback server; only 127.0.0.1 allowed; the test CA trusted."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def resolver(host: str, port: int) -> list[str]:
        return {"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]}[host]

    return replace(cfg, allow_private=False, allow_networks=("127.0.0.1/32",), resolver=resolver, ca_file=str(ca_file))


def test_https_feed_is_fetched_with_the_certificate_checked_against_the_url_name(engine, tls_server, tls_cfg) -> None:  # type: ignore[no-untyped-def]
    tls_server.route("/feed.xml", Reply(body=rss(title="Secure", items=2), etag='"s1"'))
    port = tls_server.ports["127.0.0.1"]
    sid = add(engine, f"https://feeds.test:{port}/feed.xml")
    r = result(fetch(engine, tls_cfg), sid)
    assert r.status == "ok" and r.new == 2
    [hit] = tls_server.hits("/feed.xml")
    assert hit.host == "127.0.0.1" and hit.headers["host"] == f"feeds.test:{port}"  # connected to the checked IP
    assert source_row(engine, sid).etag == '"s1"'
    again = result(fetch(engine, tls_cfg, force=True), sid)  # conditional GET over TLS too
    assert again.status == "not modified"


def test_a_certificate_for_another_name_is_refused_and_the_run_goes_on(engine, tls_server, tls_cfg) -> None:  # type: ignore[no-untyped-def]
    tls_server.route("/feed.xml", Reply(body=rss(items=1)))
    port = tls_server.ports["127.0.0.1"]
    wrong = add(engine, f"https://other.test:{port}/feed.xml")  # the server's certificate names feeds.test only
    right = add(engine, f"https://feeds.test:{port}/feed.xml", name="right")
    report = fetch(engine, tls_cfg)
    err = result(report, wrong).error or ""
    assert result(report, wrong).status == "error" and "certificate" in err.lower() and "\n" not in err
    assert result(report, right).status == "ok"


def test_an_untrusted_certificate_authority_is_refused(engine, tls_server, tls_cfg) -> None:  # type: ignore[no-untyped-def]
    tls_server.route("/feed.xml", Reply(body=rss(items=1)))
    sid = add(engine, f"https://feeds.test:{tls_server.ports['127.0.0.1']}/feed.xml")
    r = result(fetch(engine, replace(tls_cfg, ca_file=None)), sid)  # the usual authorities only
    assert r.status == "error" and "certificate" in (r.error or "").lower()
    assert tls_server.hits("/feed.xml") == []  # nothing was sent before the handshake failed


def test_an_unreadable_ca_file_is_one_line(engine, tls_cfg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.pem").write_text("not a certificate")
    add(engine, "https://feeds.test/feed.xml")
    with pytest.raises(FeedhubError, match=r"cannot use the certificate file .*bad\.pem .*\[fetch\]"):
        fetch(engine, replace(tls_cfg, ca_file=str(tmp_path / "bad.pem")))

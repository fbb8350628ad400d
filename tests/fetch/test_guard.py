"""Private and loopback addresses are refused on the address actually connected to, after every redirect."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import replace

import pytest

from feedhub.fetch.guard import AddressGuard, BlockedAddress, address_kind
from tests.fetch.fetchutil import add, fetch, result
from tests.httpserver import Reply, rss


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
        ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"), ("100.64.0.1", "non-public"), ("fc00::1", "private"), ("::ffff:127.0.0.1", "loopback"),
        ("93.184.216.34", None), ("2606:4700::1111", None), ("8.8.8.8", None),
    ],
)
def test_address_kinds(ip, kind) -> None:
    assert address_kind(ipaddress.ip_address(ip)) == kind


def test_loopback_is_refused_unless_allowed(engine, server, cfg) -> None:
    sid = add(engine, server.route("/f.xml", Reply(body=rss())))
    r = result(fetch(engine, replace(cfg, allow_private=False)), sid)
    assert r.status == "error" and "127.0.0.1 is a loopback address" in (r.error or "") and "--allow-private" in (r.error or "")
    assert server.hits("/f.xml") == []  # refused before connecting
    assert result(fetch(engine, cfg, force=True), sid).status == "ok"


def test_redirect_to_a_refused_address_is_checked_after_the_redirect(engine, two_servers, cfg) -> None:
    inner = two_servers.url("/admin.xml", "127.0.0.2")
    two_servers.route("/admin.xml", Reply(body=rss()))
    sid = add(engine, two_servers.route("/start.xml", Reply(status=302, location=inner)))
    only_first = replace(cfg, allow_private=False, allow_networks=("127.0.0.1/32",))
    r = result(fetch(engine, only_first), sid)
    assert "127.0.0.2 is a loopback address" in (r.error or "")
    assert len(two_servers.hits("/start.xml")) == 1 and two_servers.hits("/admin.xml") == []


def test_dns_names_are_checked_on_the_resolved_address_and_connected_to_it(engine, two_servers, cfg) -> None:
    port1 = two_servers.ports["127.0.0.1"]
    port2 = two_servers.ports["127.0.0.2"]
    dns = {"feeds.example": ["127.0.0.1"], "rebind.example": ["127.0.0.2"], "mixed.example": ["127.0.0.1", "127.0.0.2"]}

    async def resolver(host: str, port: int) -> list[str]:
        return dns[host]

    two_servers.route("/f.xml", Reply(body=rss()))
    ok = add(engine, f"http://feeds.example:{port1}/f.xml")
    evil = add(engine, f"http://rebind.example:{port2}/f.xml")
    mixed = add(engine, f"http://mixed.example:{port1}/f.xml")
    report = fetch(engine, replace(cfg, allow_private=False, allow_networks=("127.0.0.1/32",), resolver=resolver))
    assert result(report, ok).status == "ok"
    assert "rebind.example resolves to 127.0.0.2" in (result(report, evil).error or "")
    assert "127.0.0.2" in (result(report, mixed).error or "")  # one bad address refuses the name
    # The connection went to the checked IP while the request kept the name (Host header, and SNI for TLS).
    [hit] = two_servers.hits("/f.xml")
    assert hit.host == "127.0.0.1" and hit.headers["host"] == f"feeds.example:{port1}"


def test_guard_resolves_each_name_once_per_run() -> None:
    calls = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"]

    guard = AddressGuard.make(False, resolver=resolver)

    async def go() -> None:
        assert await guard.resolve("example.org", 443) == ["93.184.216.34"]
        assert await guard.resolve("EXAMPLE.org", 443) == ["93.184.216.34"]
        with pytest.raises(BlockedAddress):
            await guard.resolve("[::1]", 80)

    asyncio.run(go())
    assert calls == ["example.org"]

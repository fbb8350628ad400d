"""Refusing private, loopback, link-local and other non-public addresses, on the address actually used.

How the check cannot be dodged: feedhub resolves every host itself, checks every address it got, and
then opens the TCP connection to that checked IP literal (see ``GuardedBackend``, an httpcore network
backend under the one ``httpx.AsyncClient``). httpcore still uses the URL's host name for TLS (SNI and
certificate checks) and for the ``Host`` header, so HTTPS works as usual. Because the backend is asked
for every new connection, each redirect hop to a new host is resolved and checked in turn, and a name
that resolves to a public address when first looked at and to 127.0.0.1 later (DNS rebinding) is
checked at the moment of connecting. Environment proxies are ignored (``trust_env=False``): through a
proxy the checked address would not be the one the request reaches.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

import httpcore

from feedhub.errors import FeedhubError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host -> addresses; tests and the benchmark may plug in their own (a fake DNS), default getaddrinfo.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddress(FeedhubError):
    """The host resolves to an address feedhub will not connect to without --allow-private."""


class ResolveError(FeedhubError):
    """DNS failure."""


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "private", ...), or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:  # shared address space (100.64/10), documentation ranges, 6to4 of private, ...
        return "non-public"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ResolveError(f"cannot resolve host {host}: {exc.strerror or exc}; check the URL or your network") from None
    except UnicodeError:
        raise ResolveError(f"invalid host name {host!r}; check the URL") from None
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


@dataclass
class AddressGuard:
    """The policy: refuse non-public addresses unless ``allow_private``; ``allow_networks`` are always allowed."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = system_resolver
    _cache: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def make(cls, allow_private: bool, allow_networks: Iterable[str] = (), resolver: Resolver | None = None) -> AddressGuard:
        nets: list[IPNetwork] = []
        for n in allow_networks:
            try:
                nets.append(ipaddress.ip_network(n, strict=False))
            except ValueError:
                raise FeedhubError(f"invalid network {n!r} in [fetch] allow_networks; use e.g. 10.0.0.0/8") from None
        return cls(allow_private=allow_private, allow_networks=tuple(nets), resolver=resolver or system_resolver)

    def check(self, host: str, ip_text: str) -> None:
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
        if self.allow_private or any(ip in net for net in self.allow_networks):
            return
        kind = address_kind(ip)
        if kind is not None:
            shown = host if host == ip_text else f"{host} resolves to {ip_text}, which"
            raise BlockedAddress(f"refused: {shown} is a {kind} address; fetch it with --allow-private if you mean it")

    async def resolve(self, host: str, port: int) -> list[str]:
        """Addresses to connect to for ``host``, every one checked; refused if any is not allowed."""
        bare = host.strip("[]")
        try:
            ipaddress.ip_address(bare.split("%", 1)[0])
            addrs = [bare]
        except ValueError:
            addrs = self._cache.get(bare.lower()) or []
            if not addrs:
                addrs = await self.resolver(bare, port)
                if not addrs:
                    raise ResolveError(f"cannot resolve host {bare}: no addresses; check the URL")
                self._cache[bare.lower()] = addrs
        # A name with one public and one private address is refused outright: which one a retry
        # would use is up to the resolver, and an attacker controls that.
        for addr in addrs:
            self.check(bare, addr)
        return addrs


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's stream interface over plain asyncio streams.

    httpcore's own asyncio backend goes through anyio, whose ``extra()`` builds every socket attribute
    (getpeername included) each time httpcore asks whether an idle connection is still usable: with a
    hundred pooled connections that dominated a fetch run. Here that check is a look at the buffer.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout("read timed out") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout("write timed out") from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> _AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from None
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # idle connection: readable means the server closed it or sent junk
            return self._reader.at_eof() or self._writer.is_closing() or bool(getattr(self._reader, "_buffer", b""))
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard has checked."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    async def connect_tcp(  # type: ignore[override]
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options=None
    ) -> httpcore.AsyncNetworkStream:
        addrs = await self.guard.resolve(host, port)
        last: Exception | None = None
        for addr in addrs:  # the checked literal, never the name: no second lookup can differ
            try:
                async with asyncio.timeout(timeout):
                    reader, writer = await asyncio.open_connection(
                        addr, port, local_addr=(local_address, 0) if local_address else None, limit=256 * 1024
                    )
            except TimeoutError:
                last = httpcore.ConnectTimeout(f"connecting to {addr} timed out")
                continue
            except OSError as exc:
                last = httpcore.ConnectError(exc.strerror or str(exc) or type(exc).__name__)
                continue
            sock = writer.get_extra_info("socket")
            if sock is not None:
                for option in socket_options or ():
                    sock.setsockopt(*option)
            return _AsyncioStream(reader, writer)
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):  # type: ignore[no-untyped-def, override]
        raise BlockedAddress("refused: unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

"""One GET, done politely and defensively: conditional headers, redirects followed by hand, a total
deadline, a body cap counted after decompression, and a one-line message for every way it can fail.

Defaults follow Miniflux (timeouts, body cap, redirect limit) and are all in ``FetchConfig``.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

import httpx

from feedhub import USER_AGENT
from feedhub.errors import FeedhubError, FetchError
from feedhub.fetch.guard import AddressGuard, BlockedAddress, GuardedBackend, ResolveError, Resolver
from feedhub.sources.base import HttpResult

try:  # httpcore tries `import sniffio` for every lock it creates; when it is absent each try searches sys.path
    import sniffio  # noqa: F401
except ImportError:  # remember the absence once (a None entry makes the import fail at once), about 5 ms a request
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

MiB = 1024 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)


@dataclass
class FetchConfig:
    """The fetch limits; ``FILE_KEYS`` of them can be set under ``[fetch]`` in config.toml."""

    concurrency: int = 16  # requests in flight at once, all hosts together
    per_host: int = 2  # requests in flight at once to one host
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    deadline: float = 30.0  # the whole request, redirects and body included: a trickling server cannot hold a worker
    max_body: int = 15 * MiB  # counted after decompression (gzip bombs stop here)
    max_redirects: int = 10
    allow_private: bool = False
    allow_networks: tuple[str, ...] = ()
    user_agent: str = USER_AGENT
    # host suffix -> (requests at once, seconds between request starts): arXiv asks for one connection, 3 s apart
    host_policies: dict[str, tuple[int, float]] = field(default_factory=lambda: {"arxiv.org": (1, 3.0)})
    resolver: Resolver | None = None  # tests plug in a fake DNS; default: the system resolver
    parse_workers: int | None = None  # parsing processes; None: one per core (up to 4) for runs of 64+ remote sources
    ca_file: str | None = None  # extra certificate authorities (PEM) to trust besides the usual ones, e.g. a company proxy's

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> FetchConfig:
        """Defaults, then ``[fetch]`` in config.toml, then ``Settings.allow_private``, then ``overrides``."""
        from feedhub.config import validate_section

        cfg = cls()
        if settings is not None:  # checked again here for settings made in code (tests, library callers)
            values = validate_section("fetch", settings.get("fetch", {}))
            if values:
                cfg = replace(cfg, **values)
        if settings is not None and getattr(settings, "allow_private", False):
            cfg = replace(cfg, allow_private=True)
        return replace(cfg, **overrides) if overrides else cfg

    def host_policy(self, host: str) -> tuple[int, float]:
        host = host.lower()
        for suffix, policy in self.host_policies.items():
            if host == suffix or host.endswith("." + suffix):
                return policy
        return self.per_host, 0.0


# The FetchConfig fields a user may set under [fetch] in config.toml (the README's reference lists them).
FILE_KEYS = ("concurrency", "per_host", "connect_timeout", "read_timeout", "deadline", "max_body", "max_redirects", "allow_networks",
             "ca_file", "parse_workers")  # fmt: skip


def make_client(cfg: FetchConfig) -> httpx.AsyncClient:
    """The one client of a run: guarded connections, explicit limits and timeouts, no env proxies."""
    guard = AddressGuard.make(cfg.allow_private, cfg.allow_networks, cfg.resolver)
    # Requests in flight are bounded by the scheduler's semaphores. The pool is kept as small as that
    # bound: httpcore scans every pooled connection for each request, and with 128 idle connections
    # to 100 hosts that scan cost a third of the run's CPU (benchmarks/bench_fetch.py: 16.2 -> 10.3 ms
    # a feed); idle connections beyond it are closed and reopened cheaply.
    pooled = max(cfg.concurrency, 16)
    limits = httpx.Limits(max_connections=pooled, max_keepalive_connections=pooled, keepalive_expiry=30.0)
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False, retries=0)
    # Swap in a pool whose network backend resolves and checks every address itself (see guard.py).
    # httpx does not expose the backend; the pool it builds is replaced by an identical one plus ours.
    old = transport._pool
    ssl_context = ssl.create_default_context() if not hasattr(old, "_ssl_context") else old._ssl_context
    if cfg.ca_file:
        try:
            ssl_context.load_verify_locations(cafile=str(Path(cfg.ca_file).expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise FeedhubError(f"cannot use the certificate file {cfg.ca_file} ({exc}); check ca_file under [fetch] in config.toml") from None
    transport._pool = type(old)(  # type: ignore[assignment]
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        retries=0,
        network_backend=GuardedBackend(guard),
    )
    timeout = httpx.Timeout(connect=cfg.connect_timeout, read=cfg.read_timeout, write=cfg.read_timeout, pool=cfg.deadline)
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,  # followed by hand in get(): loops, permanent moves, one deadline
        trust_env=False,
        headers={"User-Agent": cfg.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
    )


class _Decoder:
    """Content-Encoding decoding with a bound on every output step, so a bomb never inflates past the cap."""

    STEP = 64 * 1024

    def __init__(self, encoding: str) -> None:
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self.kind = "identity"
        elif enc in ("gzip", "x-gzip"):
            self.kind = "gzip"
        elif enc == "deflate":
            self.kind = "deflate"
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r} (feedhub asks for gzip or deflate)")
        self._d: Any = None
        self._started = False

    def _new(self, first: bytes) -> Any:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped by the standard, raw deflate by some servers: tell them apart by the header.
        zlib_header = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> list[bytes]:
        """Decoded pieces of ``data``; raises once more than ``room`` bytes would come out."""
        if self.kind == "identity":
            if len(data) > room:
                raise _TooLarge
            return [data]
        out: list[bytes] = []
        produced = 0
        draining = False
        while data or draining:
            if self._d is None or (self._d.eof and data):
                if self._d is not None and (self.kind != "gzip" or not data.strip(b"\x00")):
                    break  # padding or trailing bytes after the end of the stream: ignored
                self._d = self._new(data)  # first chunk, or the next member of a multi-member gzip
            try:
                piece = self._d.decompress(data, self.STEP)
            except zlib.error as exc:
                raise FetchError(f"corrupt {self.kind} body ({exc}); the server sent broken compressed data") from None
            produced += len(piece)
            if produced > room:
                raise _TooLarge
            if piece:
                out.append(piece)
            if self._d.unconsumed_tail:
                data = self._d.unconsumed_tail
            elif self._d.eof:
                data = self._d.unused_data
            else:
                data = b""
            # A full step may leave output inside zlib with all input consumed: drain it in bounded steps.
            draining = len(piece) == self.STEP and not data and not self._d.eof
        return out

    def finish(self) -> None:
        if self.kind != "identity" and self._d is not None and not self._d.eof:
            raise FetchError(f"truncated {self.kind} body: the compressed stream ended early; try again later")


class _TooLarge(Exception):
    pass


class BodyGate:
    """Few large bodies at once: a body that grows past ``threshold`` bytes takes one of ``slots`` and
    keeps it until its owner calls ``release_for`` (after storing it). Feeds are small; a run of many
    near-cap answers then holds ``slots`` of them in memory, not one per connection."""

    def __init__(self, slots: int = 4, threshold: int = MiB) -> None:
        self.threshold = threshold
        self._slots = asyncio.Semaphore(slots)

    async def acquire(self) -> None:
        await self._slots.acquire()

    def release(self) -> None:
        self._slots.release()

    def release_for(self, body: bytes) -> None:
        """Give back the slot ``body`` took (bodies past the threshold took one; others none)."""
        if len(body) > self.threshold:
            self._slots.release()


async def _read_capped(response: httpx.Response, cap: int, gate: BodyGate | None = None) -> bytes:
    encoding = response.headers.get("content-encoding", "")
    decoder = _Decoder(encoding)
    length = response.headers.get("content-length")
    held = False
    try:
        if decoder.kind == "identity" and length and length.isdigit() and int(length) > cap:
            raise _TooLarge
        parts: list[bytes] = []
        total = 0
        async for raw in response.aiter_raw():
            for piece in decoder.feed(raw, cap - total):
                parts.append(piece)
                total += len(piece)
            if gate is not None and not held and total > gate.threshold:
                await gate.acquire()
                held = True
        decoder.finish()
        body = b"".join(parts)
        del parts
    except _TooLarge:
        if held and gate is not None:
            gate.release()
        raise FetchError(f"response over the {cap // MiB} MiB limit (after decompression); not stored") from None
    except BaseException:
        if held and gate is not None:
            gate.release()
        raise
    return body


async def get(
    client: httpx.AsyncClient, url: str, cfg: FetchConfig, *, etag: str | None = None, last_modified: str | None = None,
    headers: Mapping[str, str] | None = None, gate: BodyGate | None = None,
) -> HttpResult:
    """GET ``url`` (conditionally), following redirects by hand, all within ``cfg.deadline``.

    ``headers`` are sent too (API clients: Accept, Authorization); Authorization and cookies are
    dropped when a redirect leaves the URL's origin, as browsers and httpx do. With ``gate``, a large
    body holds one of its slots; the caller gives it back with ``gate.release_for(result.body)``."""
    try:
        async with asyncio.timeout(cfg.deadline):
            return await _get(client, url, cfg, etag, last_modified, headers, gate)
    except TimeoutError:
        raise FetchError(f"timed out after {cfg.deadline:g} s (the server is too slow or trickling bytes)") from None
    except FeedhubError:
        raise
    except Exception as exc:  # every transport failure becomes one line
        raise FetchError(describe(exc, cfg)) from None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


async def _get(
    client: httpx.AsyncClient, url: str, cfg: FetchConfig, etag: str | None, last_modified: str | None,
    extra: Mapping[str, str] | None = None, gate: BodyGate | None = None,
) -> HttpResult:
    seen: set[str] = set()
    current = url
    permanent = True
    for _hop in range(cfg.max_redirects + 1):
        if current in seen:
            raise FetchError(f"redirect loop: {current} redirects back to itself; tell the site or remove the source")
        seen.add(current)
        headers: dict[str, str] = dict(extra or {})
        if extra and _origin(current) != _origin(url):
            headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = client.build_request("GET", current, headers=headers)
        response = await client.send(request, stream=True)
        try:
            if response.status_code in REDIRECTS and response.headers.get("location"):
                target = urljoin(current, response.headers["location"].strip())
                if urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(f"redirected to a non-HTTP URL {target!r}; refused")
                if response.status_code not in PERMANENT:
                    permanent = False
                current = target
                continue
            body = await _read_capped(response, cfg.max_body, gate) if response.status_code == 200 else b""
            moved = current if (current != url and permanent) else None
            return HttpResult(current, response.status_code, {k.lower(): v for k, v in response.headers.items()}, body, moved)
        finally:
            await response.aclose()
    raise FetchError(f"more than {cfg.max_redirects} redirects from {url}; tell the site or remove the source")


def describe(exc: BaseException, cfg: FetchConfig) -> str:
    """One line for a transport failure."""
    if isinstance(exc, (BlockedAddress, ResolveError, FeedhubError)):
        return str(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {cfg.connect_timeout:g} s; the server may be down, try later"
    if isinstance(exc, httpx.ReadTimeout):
        return f"the server sent nothing for {cfg.read_timeout:g} s; try later"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in time (too many at once); try again"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc) or "connection refused"
        if "ssl" in text.lower() or "certificate" in text.lower():
            return _tls_note(text)
        return f"cannot connect: {_short(text)}; the server may be down, try later"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return f"connection reset or closed by the server mid-response ({_short(str(exc)) or type(exc).__name__}); try later"
    if isinstance(exc, httpx.InvalidURL) or isinstance(exc, httpx.UnsupportedProtocol):
        return f"invalid URL: {_short(str(exc))}; fix the source's URL"
    if isinstance(exc, ssl.SSLError):
        return _tls_note(str(exc))
    if isinstance(exc, httpx.HTTPError):
        return f"HTTP request failed: {_short(str(exc)) or 'no details'}; try later"
    if isinstance(exc, OSError):
        return f"network error: {_short(exc.strerror or str(exc))}"
    return f"request failed: {_short(str(exc)) or 'no details'}"


# OpenSSL's words for "the other side does not speak TLS": a plain-HTTP server on the port asked for https.
_NOT_TLS = ("wrong_version_number", "wrong version number", "record_layer_failure", "record layer failure",
            "packet length too long", "http_request", "unknown protocol")


def _tls_note(text: str) -> str:
    """A TLS failure in words: a plain-HTTP answer, a certificate problem, or another handshake failure."""
    low = text.lower()
    reason = _short(text.split("] ", 1)[-1].split(" (_ssl.c", 1)[0])
    if any(word in low for word in _NOT_TLS):
        return ("the server answered in plain HTTP, not TLS: this port does not speak https; "
                "if the feed is served over http, change the URL (`feedhub source set ID --url http://...`)")
    if "certificate" in low:
        return (f"the site's TLS certificate is not valid ({reason}); behind a proxy with its own authority? "
                "name its PEM file as ca_file under [fetch] in config.toml")
    return f"TLS handshake failed ({reason}); try later, or check the URL"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""A real HTTP/1.1 server on loopback addresses that misbehaves on request, for fetch tests and the benchmark.

Routes map a path to a ``Reply`` (or a function of the ``Request`` returning one). A reply can carry
an ETag / Last-Modified (answered with 304 when the request's conditional headers match), be gzipped,
wait before answering, trickle its body a byte at a time, reset the connection mid-body, or lie about
its length. Every request is recorded (``server.requests``) so tests can check what the client sent.

    with FeedServer() as server:
        server.route("/feed.xml", Reply(body=RSS, etag='"v1"'))
        url = server.url("/feed.xml")
"""

from __future__ import annotations

import asyncio
import gzip as gzip_mod
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect",
           308: "Permanent Redirect", 404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    host: str  # the address the request came in on
    port: int


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False  # compress the body and say so
    raw_encoding: str | None = None  # send body bytes as given, with this Content-Encoding (bombs, truncated gzip)
    delay: float = 0.0  # seconds before the status line
    trickle: float | None = None  # seconds between body bytes
    reset_after: int | None = None  # send this many body bytes, then reset the connection (RST)
    location: str | None = None  # for redirects


Handler = Callable[[Request], Reply]


def rss(title: str = "Test feed", items: int = 3, prefix: str = "item", ttl: int | None = None) -> bytes:
    """A small valid RSS 2.0 feed."""
    ttl_el = f"<ttl>{ttl}</ttl>" if ttl else ""
    body = "".join(
        f"<item><title>{prefix} {i}</title><link>https://example.org/{prefix}/{i}</link><guid>{prefix}-{i}</guid>"
        f"<pubDate>Mon, 19 Feb 2018 1{i % 10}:00:00 GMT</pubDate><description>Text of {prefix} {i}.</description></item>"
        for i in range(items)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link>{ttl_el}{body}</channel></rss>").encode()


class FeedServer:
    """Serves routes on one port per loopback address, from an asyncio loop in a background thread."""

    def __init__(self, hosts: tuple[str, ...] = ("127.0.0.1",), ssl_context: Any = None) -> None:
        self.hosts = hosts
        self.ssl_context = ssl_context  # an ssl.SSLContext with the server's certificate: serve HTTPS
        self.ports: dict[str, int] = {}
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.base_events.Server] = []
        self._lock = threading.Lock()
        self.inflight: dict[str, int] = {}  # requests being answered now, per address
        self.max_inflight: dict[str, int] = {}  # the most at once, per address
        self.max_inflight_total = 0

    # -- set-up -------------------------------------------------------------------------------
    def route(self, path: str, reply: Reply | Handler) -> str:
        self.routes[path] = reply
        return self.url(path)

    def url(self, path: str, host: str | None = None) -> str:
        host = host or self.hosts[0]
        return f"{'https' if self.ssl_context else 'http'}://{host}:{self.ports[host]}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._serve, host, 0, backlog=1024, ssl=self.ssl_context)
            self._servers.append(server)
            self.ports[host] = server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            for s in self._servers:
                s.close()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.target == path]

    # -- serving ------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("sockname")[:2]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                request = Request(method, target, headers, host, port)
                with self._lock:
                    self.requests.append(request)
                    self.inflight[host] = self.inflight.get(host, 0) + 1
                    self.max_inflight[host] = max(self.max_inflight.get(host, 0), self.inflight[host])
                    self.max_inflight_total = max(self.max_inflight_total, sum(self.inflight.values()))
                try:
                    keep = await self._respond(request, writer)
                finally:
                    with self._lock:
                        self.inflight[host] -= 1
                if not keep or headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    def _find(self, target: str) -> Reply | Handler | None:
        if target in self.routes:
            return self.routes[target]
        return self.routes.get(target.split("?", 1)[0])

    async def _respond(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        found = self._find(request.target)
        reply = Reply(404, b"not found", content_type="text/plain") if found is None else (found if isinstance(found, Reply) else found(request))
        if reply.delay:
            await asyncio.sleep(reply.delay)
        status, body = reply.status, reply.body
        headers = dict(reply.headers)
        if reply.etag:
            headers["ETag"] = reply.etag
        if reply.last_modified:
            headers["Last-Modified"] = reply.last_modified
        if status == 200 and (
            (reply.etag and request.headers.get("if-none-match") == reply.etag)
            or (reply.last_modified and request.headers.get("if-modified-since") == reply.last_modified)
        ):
            status, body = 304, b""
        if reply.location:
            headers["Location"] = reply.location
        if status == 200 and reply.content_type:
            headers.setdefault("Content-Type", reply.content_type)
        if status == 200 and reply.gzip:
            body = gzip_mod.compress(body)
            headers["Content-Encoding"] = "gzip"
        if reply.raw_encoding:
            headers["Content-Encoding"] = reply.raw_encoding
        headers.setdefault("Content-Length", str(len(body)))
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        if reply.reset_after is not None:
            writer.write(body[: reply.reset_after])
            await writer.drain()
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close -> RST
            writer.transport.abort()
            return False
        if reply.trickle is not None:
            for i in range(len(body)):
                writer.write(body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(reply.trickle)
            return False
        writer.write(body)
        await writer.drain()
        return True

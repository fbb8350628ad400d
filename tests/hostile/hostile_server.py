"""A loopback HTTP server that answers with bodies no feed should have: an endless stream, a gzip bomb,
a body far over the cap with an honest Content-Length, and one without any. Used by the hostile suite and
benchmarks/bench_hostile.py. Every stream stops by itself (after ``LIMIT`` bytes) if the client never does."""

from __future__ import annotations

import socket
import socketserver
import threading
import zlib

LIMIT = 4 * 1024**3  # bytes one endless answer sends at most, whatever the client does
CHUNK = b"\0" * 65536
HEAD = b"<?xml version='1.0'?><rss version='2.0'><channel><title>endless</title><description>"


def gzip_bomb(size: int = 1024**3) -> bytes:
    """``size`` zero bytes, gzip-compressed (about a thousandth of that on the wire)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [comp.compress(HEAD)]
    for _ in range(size // len(block)):
        parts.append(comp.compress(block))
    parts.append(comp.flush())
    return b"".join(parts)


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            got = sock.recv(4096)
            if not got:
                return
            data += got
        path = data.split(b" ", 2)[1].decode("latin-1") if data.count(b" ") >= 2 else "/"
        self.server.paths.append(path)
        try:
            if path.startswith("/endless"):  # no length, no end
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n" + HEAD)
                self._stream(sock)
            elif path.startswith("/chunked"):  # chunked transfer, chunks for ever
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n")
                frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
                sent = 0
                while sent < LIMIT:
                    sock.sendall(frame)
                    sent += len(CHUNK)
            elif path.startswith("/bomb"):
                body = self.server.bomb
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n"
                             + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            elif path.startswith("/large"):  # a valid feed just under the 15 MiB cap: many of them must not pile up
                body = self.server.large
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            elif path.startswith("/big"):  # an honest length, far over the cap
                size = 200 * 1024 * 1024
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n" + f"Content-Length: {size}\r\n\r\n".encode())
                self._stream(sock, size)
            else:
                body = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Fine</title>"
                        b"<item><title>fine</title><guid>fine-1</guid></item></channel></rss>")
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        except OSError:  # the client hung up: what it should do
            return

    @staticmethod
    def _stream(sock: socket.socket, size: int = LIMIT) -> None:
        sent = 0
        while sent < size:
            sock.sendall(CHUNK)
            sent += len(CHUNK)


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", bomb: bytes | None = None) -> None:
        super().__init__((host, 0), _Handler)
        self.host = host
        self.paths: list[str] = []
        self.bomb = bomb if bomb is not None else gzip_bomb()
        self.large = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Large</title><item><title>large</title>"
                      b"<guid>large-1</guid><description>" + b"word " * (12 * 1024 * 1024 // 5) + b"</description></item></channel></rss>")
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server_address[1]}{path}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def peak_rss_mib(cmd: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, float, str, str]:
    """Run ``cmd`` in a fresh wrapper process whose only descendants are it and its children; returns
    (exit status, the largest resident set any of them reached in MiB, stdout, stderr)."""
    import json
    import subprocess
    import sys

    code = ("import json, resource, subprocess, sys; cmd = json.loads(sys.argv[1]); "
            "p = subprocess.run(cmd, capture_output=True, text=True); "
            "print(json.dumps([p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stdout, p.stderr]))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(cmd)], capture_output=True, text=True, env=env, timeout=timeout)
    status, kib, stdout, stderr = json.loads(out.stdout)
    return status, kib / 1024, stdout, stderr

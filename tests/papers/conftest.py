"""A loopback arXiv API serving the recorded answers in ../shared/corpora/arxiv/api_recorded_2026."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class FakeArxiv:
    url: str
    answers: dict[frozenset[str], tuple[int, bytes]]
    script: list[int] = field(default_factory=list)  # statuses to answer first, whatever the query
    requests: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, id_list)
    connections: set[int] = field(default_factory=set)  # client ports seen


def load_recorded(corpora: Path) -> dict[frozenset[str], tuple[int, bytes]]:
    answers = {}
    for f in sorted((corpora / "arxiv" / "api_recorded_2026").glob("*.json")):
        rec = json.loads(f.read_text(encoding="utf-8"))
        q = parse_qs(urlsplit(rec["url"]).query)
        ids = q.get("id_list", [""])[0]
        if ids:
            answers[frozenset(ids.split(","))] = (rec["status_code"], rec["body"].encode("utf-8"))
    return answers


@pytest.fixture()
def fake_arxiv(corpora: Path) -> Iterator[FakeArxiv]:
    state = FakeArxiv(url="", answers=load_recorded(corpora))
    empty = next(body for ids, (status, body) in state.answers.items() if ids == frozenset({"0000.0000"}))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            q = parse_qs(urlsplit(self.path).query)
            ids = q.get("id_list", [""])[0]
            state.requests.append((time.monotonic(), ids))
            state.connections.add(self.client_address[1])
            if state.script:
                status, body = state.script.pop(0), b"busy"
                if status == 200:
                    status, body = state.answers.get(frozenset(ids.split(",")), (200, empty))
            else:
                # Unrecorded id lists answer like the API does for unknown ids: 200, an empty feed.
                status, body = state.answers.get(frozenset(ids.split(",")), (200, empty))
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/query"
    yield state
    server.shutdown()
    server.server_close()

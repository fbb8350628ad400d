"""Fixtures for fetch tests: a fault-injecting loopback HTTP server, short timeouts, and helpers.

Adding a fault test: ``url = server.route("/path", Reply(...))``, ``sid = add(engine, url)``,
``report = fetch(engine, cfg)``, then look at ``result(report, sid)`` and the source row.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from feedhub.fetch.http import FetchConfig  # noqa: E402
from tests.httpserver import FeedServer


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture()
def two_servers() -> Iterator[FeedServer]:
    """One server listening on 127.0.0.1 and 127.0.0.2 (Linux routes all of 127/8 to lo)."""
    with FeedServer(hosts=("127.0.0.1", "127.0.0.2")) as s:
        yield s


@pytest.fixture()
def cfg() -> FetchConfig:
    """Loopback allowed explicitly; deadlines short so trickle and timeout tests take about a second."""
    return FetchConfig(allow_private=True, connect_timeout=2.0, read_timeout=1.0, deadline=1.5, max_body=1024 * 1024)

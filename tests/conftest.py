"""Shared fixtures: real database files (and PostgreSQL when FEEDHUB_TEST_PG_URL is set), the shared corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Tests never touch the network: the post-fetch arXiv look-up is off unless a test turns it on against its
# loopback arXiv server (tests/papers/test_fetch_enrich.py). Set here so CLI subprocesses inherit it.
os.environ["FEEDHUB_ARXIV_ENRICH"] = "0"
CORPORA = REPO.parent / "shared" / "corpora"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """A part the suite needs is absent: a skip with the reason on a developer's machine, a failure in CI
    (CI=true), where PostgreSQL, Chromium and ../shared are always set up and their absence is a bug."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless through Playwright (never `playwright install`), for every browser test.

    Module scope, not session: while Playwright's sync API is open it holds an asyncio loop running in the
    main thread, and every later test that calls asyncio.run() (the fetchers) would fail."""
    if not CHROMIUM.exists():
        missing("/usr/bin/chromium absent: apt-get install -y chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def corpora() -> Path:
    """../shared/corpora (public test material); tests that need it skip with a message when absent."""
    if not CORPORA.is_dir():
        missing("../shared/corpora absent: clone feedhub beside its shared/ folder to run corpus tests")
    return CORPORA


PG_URL = os.environ.get("FEEDHUB_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"]


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL, once per backend: a SQLite file in tmp_path, and the PostgreSQL test
    database (emptied) when FEEDHUB_TEST_PG_URL is set. scripts/test.sh (and so CI) starts PostgreSQL and
    sets it; without it the PostgreSQL runs are skipped with that reason."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedhub.db'}"
    if not PG_URL:
        missing("FEEDHUB_TEST_PG_URL not set: run the suite through scripts/test.sh to include PostgreSQL")
    _reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL, for the tests about SQLite itself."""
    return f"sqlite:///{tmp_path / 'feedhub.db'}"


@pytest.fixture()
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on a fresh database."""
    from feedhub.store import open_store

    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """An isolated FEEDHUB_HOME for CLI tests, with FEEDHUB_DB_URL pointing at this run's backend."""
    h = tmp_path / "home"
    monkeypatch.setenv("FEEDHUB_HOME", str(h))
    monkeypatch.setenv("FEEDHUB_DB_URL", db_url)
    return h


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    return [f"feedhub corpora: {CORPORA if CORPORA.is_dir() else 'absent'}", f"pg: {os.environ.get('FEEDHUB_TEST_PG_URL', 'off')}"]

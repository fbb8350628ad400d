"""Shared fixtures: real database files (and PostgreSQL when FEEDHUB_TEST_PG_URL is set), the shared corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """../shared/corpora (public test material); tests that need it skip with a message when absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora absent: clone feedhub beside its shared/ folder to run corpus tests")
    return CORPORA


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    """A fresh, empty database URL: a SQLite file in tmp_path."""
    return f"sqlite:///{tmp_path / 'feedhub.db'}"


@pytest.fixture()
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on a fresh database."""
    from feedhub.store import open_store

    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated FEEDHUB_HOME for CLI tests."""
    h = tmp_path / "home"
    monkeypatch.setenv("FEEDHUB_HOME", str(h))
    monkeypatch.delenv("FEEDHUB_DB_URL", raising=False)
    return h


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    return [f"feedhub corpora: {CORPORA if CORPORA.is_dir() else 'absent'}", f"pg: {os.environ.get('FEEDHUB_TEST_PG_URL', 'off')}"]

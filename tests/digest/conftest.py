"""The ``store`` fixture: a small, real store (see digestutil.py)."""

from __future__ import annotations

import pytest

from tests.digest.digestutil import Store


@pytest.fixture()
def store(engine) -> Store:  # type: ignore[no-untyped-def]
    return Store(engine)

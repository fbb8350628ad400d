import pytest


@pytest.fixture
def one_thread():  # type: ignore[no-untyped-def]
    """Tiny tensors: torch's two threads fighting over a busy 2-core CI machine are much slower than one.
    The experiments' own helper, so a test runs as the experiment it checks does."""
    from reproductions.experiments.threads import one_thread

    with one_thread():
        yield

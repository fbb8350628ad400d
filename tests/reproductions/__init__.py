

def assert_judged(result, kind: str = "reproduction") -> None:  # type: ignore[no-untyped-def]
    """A run's verdict is the verdict library's judgement of its numbers (never set by hand), with its
    reason and figures on disk; at smoke size a reproduction never claims to decide."""
    import math
    from pathlib import Path

    judgement = result.judgement
    assert judgement is not None, "the verdict must come from reproductions.verdicts"
    assert result.verdict == judgement.verdict and result.reason
    assert all(Path(f).is_file() for f in result.figures)
    assert any(math.isfinite(v) for m in result.metrics for v in m.values), "no finite metric"
    if kind != "check":
        assert result.verdict == "inconclusive", f"a smoke-size run decided: {result.verdict}: {result.reason}"

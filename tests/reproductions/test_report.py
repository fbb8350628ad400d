"""The report: every claim with its paper, design and verdict, the count with checks apart, escaped HTML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reproductions.core import Result
from reproductions.registry import all_reproductions
from reproductions.report import build_report, count, design_text, write_report
from reproductions.verdicts import check, paired_ratio


def _results() -> list[Result]:
    adam = Result(
        judgement=paired_ratio([2.0, 2.1, 1.9], [1.0, 1.0, 1.0], label="other / Adam"),
        paper_figure="Fig. 1 <b>bold</b>",
        measured="2x & more",
        name="adam",
        figures=[Path("/tmp/report-test/adam/fig.png")],
        params={"mode": "quick", "seeds": [0, 1, 2]},
    )
    maxout = Result(
        judgement=paired_ratio([1.0, 1.0, 1.0], [0.5, 1.5, 1.4]), name="maxout", paper_figure="", measured="tie"
    )
    identity = Result(judgement=check(1e-16, tol=1e-9), name="running-average", measured="exact")
    return [adam, maxout, identity]


def test_count_keeps_checks_apart() -> None:
    reps = all_reproductions()
    counts = count(reps, {r.name: r for r in _results()})
    assert counts["reproduction"]["reproduced"] == 1 and counts["reproduction"]["inconclusive"] == 1
    assert counts["check"]["holds"] == 1 and "reproduced" not in counts["check"]
    n_checks = sum(1 for r in reps if r.kind == "check")
    assert sum(counts["check"].values()) == n_checks >= 2
    assert sum(counts["reproduction"].values()) == len(reps) - n_checks


def test_html_report_escapes_and_lists_every_claim() -> None:
    page = build_report(_results(), "html", mode="quick", base_dir=Path("/tmp/report-test"))
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "2x &amp; more" in page
    for rep in all_reproductions():
        assert f'id="{rep.name}"' in page
    assert "Reproductions: 1 reproduced, 0 not reproduced, 1 inconclusive" in page
    assert "Checks (identities, not counted above): 1 hold" in page
    assert 'src="adam/fig.png"' in page  # relative to the report's folder
    assert "arxiv.org/abs/1412.6980" in page  # Adam's paper
    assert "2x [1.76x, 2.26x] (n=3)" in page  # the estimate and its interval


def test_markdown_report_has_the_design_and_the_interval() -> None:
    text = build_report(_results(), "md")
    assert text.startswith("# Reproductions report")
    assert "Design (stated before the run)" in text and "decision" in text.lower()
    assert "not run" in text  # entries without a result are listed, not hidden


def test_design_text_is_read_without_importing_torch() -> None:
    code = (
        "import sys; from reproductions.registry import get; from reproductions.report import design_text;"
        "d = design_text(get('adam')); assert 'Design' in d, d; assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "identity" in design_text(next(r for r in all_reproductions() if r.name == "running-average"))


def test_write_report_runs_and_writes(tmp_path: Path) -> None:
    out = write_report(tmp_path / "report.html", "smoke", names=["running-average", "exp-cost"])
    page = out.read_text()
    assert "running-average" in page and "exp-cost" in page and "<img" in page
    for src in page.split('src="')[1:]:
        assert (tmp_path / src.split('"')[0]).exists()


def test_a_check_holds_or_fails_in_every_table(tmp_path: Path) -> None:
    from reproductions.core import RunContext
    from reproductions.registry import get

    result = get("running-average").run(RunContext(smoke=True, out_dir=tmp_path))
    assert result.kind == "check" and result.verdict == "holds"
    assert result.to_json()["verdict"] == "holds" and result.to_json()["kind"] == "check"
    # a result made by hand with the library's reproduction words is still shown as a check's
    legacy = Result(verdict="reproduced", name="nesterov-lookahead", reason="old words")
    for fmt in ("md", "html"):
        page = build_report([result, legacy, *_results()[:2]], fmt)
        rows = [ln for ln in page.splitlines() if "running-average" in ln and ("| check |" in ln or "<td>check</td>" in ln)]
        assert rows and all("holds" in ln and "reproduced" not in ln for ln in rows), rows
        lookahead = [ln for ln in page.splitlines() if "nesterov-lookahead" in ln and "check" in ln and "verdict" not in ln]
        assert any("holds" in ln for ln in lookahead) and not any(">reproduced<" in ln or "| reproduced |" in ln for ln in lookahead)
        assert "Verdict: holds" in page or "Verdict: <span class=\"holds\">holds</span>" in page
        assert "2 hold, 0 fail" in page


def test_reflow_joins_wrapped_lines_and_keeps_items_and_formulas() -> None:
    from reproductions.report import reflow

    text = "A claim that\nwraps here.\n\nDesign::\n\n    mu_t = min(1, x)\n\n- data: digits,\n  drawn per seed.\n- arms: two\n1. first\n2) second"
    assert reflow(text).splitlines() == [
        "A claim that wraps here.", "", "Design::", "", "    mu_t = min(1, x)", "",
        "- data: digits, drawn per seed.", "- arms: two", "1. first", "2) second",
    ]  # fmt: skip

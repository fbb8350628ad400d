"""An abstract's TeX made readable (the paper page's abstract): math kept, text-mode TeX resolved, nothing lost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedhub.links.tex import readable

REAL = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "arxiv" / "real" / "dw-dengwei_daily-arXiv-ai-enhanced"


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        # a bare % is a percent sign in an abstract: the rest of the line stays (a TeX parser dropped it)
        ("We reach 95% accuracy on $\\mathcal{D}$ and \\textbf{more} text", "We reach 95% accuracy on $\\mathcal{D}$ and more text"),
        ("100\\% of \\emph{it} \\& co \\_x, \\$5", "100% of it & co _x, $5"),
        ("Schr\\\"odinger, \\'{e}t\\'e, \\c{c}a, M\\\"{o}bius", "Schrödinger, été, ça, Möbius"),
        ("a -- b --- c ``q'' d~e, don't", "a – b — c “q” d e, don't"),
        ("E = $\\alpha_1$ ok $$x^2 -- y$$ and \\(y~z\\) \\[w\\]", "E = $\\alpha_1$ ok $$x^2 -- y$$ and \\(y~z\\) \\[w\\]"),
        ("\\href{https://x.org/~a--b}{our code} and \\url{https://github.com/a/b_c}", "our code <https://x.org/~a--b> and https://github.com/a/b_c"),
        ("we \\cite{foo} our \\ours{} method\\footnote{see {x}}", "we \\cite{foo} our \\ours{} method\\footnote{see {x}}"),
        ("{Grouped} {\\bf x}", "Grouped \\bf x"),
        ("price $5 only", "price $5 only"),
        ("unbalanced } and { open", "unbalanced and open"),
        ("line\nbreaks   and\\\\ spaces", "line breaks and spaces"),
    ],
)
def test_text_mode_tex_is_resolved_and_math_is_kept_as_written(tex: str, text: str) -> None:
    assert readable(tex) == text


def test_deep_nesting_and_unclosed_math_from_a_hostile_feed_read_in_one_pass() -> None:
    assert readable("{" * 5000 + "deep" + "}" * 5000) == "deep"
    assert readable("\\(" * 3000 + "x") == "\\(" * 3000 + "x"  # never closed: kept, and no quadratic re-scan
    assert readable("$" * 3001) == "$" * 3001


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $\\{}~-`'%_^&\nxé")), max_size=80))
def test_any_text_converts_and_keeps_its_plain_words(value: str) -> None:
    out = readable(value)
    assert isinstance(out, str)
    outside = re.sub(r"\$[^$]*\$", " ", value)
    for word in re.findall(r"(?<![\\A-Za-z])[a-z]{3,}(?![A-Za-z])", outside.replace("{", " ").replace("}", " ")):
        assert word in out


def test_every_real_abstract_keeps_its_words_and_its_math() -> None:
    """The ~4,000 real abstracts (../shared/corpora/arxiv/real): every word outside TeX commands and every math
    span survives."""
    files = sorted(REAL.glob("*.jsonl"))
    assert files, f"missing corpus {REAL}"
    checked = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            abstract = json.loads(line).get("summary") or ""
            if "\\" not in abstract and "{" not in abstract:
                continue
            out = readable(abstract)
            for math in re.findall(r"(?<!\\)\$[^$]+\$", abstract):
                if "$$" not in abstract:
                    assert " ".join(math.split()) in out, (math, abstract[:80])
            # (a word right after an accent command or a brace is the accented or grouped word: \"obius, \textbf{D}ata)
            words = set(re.findall(r"(?<![\\A-Za-z{}\"'`^~])[A-Za-z]{4,}(?![A-Za-z{])", re.sub(r"\$[^$]*\$", " ", abstract)))
            missing = {w for w in words if w not in out}
            assert not missing, (sorted(missing)[:5], abstract[:120])
            checked += 1
    assert checked > 300

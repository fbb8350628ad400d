"""find_arxiv_ids' literal-guided scans find exactly what scanning every position with the patterns finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedhub.links import ids


def reference(text: str, *, context: bool = False) -> list[tuple[str, int | None]]:
    """The plain scan: every pattern over the whole text (the implementation before the guided scans)."""
    if not text:
        return []
    found: dict[str, tuple[int, int | None]] = {}

    def add(pos: int, parsed: tuple[str, int | None] | None) -> None:
        if parsed is not None and (parsed[0] not in found or pos < found[parsed[0]][0]):
            found[parsed[0]] = (pos, parsed[1])

    for pattern in (ids._URL, ids._PREFIX, ids._BARE_OLD):
        for m in pattern.finditer(text):
            add(m.start(), ids._from_match(m))
    if context or ids._MENTIONS_ARXIV.search(text):
        for m in ids._BARE_NEW.finditer(text):
            if ids._NOT_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
                continue
            add(m.start(), ids._from_match(m))
    return [(i, v) for i, (_, v) in sorted(found.items(), key=lambda kv: kv[1][0])]


PIECES = [
    "arXiv:", "ARXIV: ", "arxiv.org:", "arxiv", "arXiv.org/abs/", "https://arxiv.org/pdf/", "export.arxiv.org/abs/",
    "10.48550/arXiv.", "10.48550/", "oai:arXiv.org:", "1802.03268", "1802.0326", "2401.01234", "1412.6980", "v2", "v0",
    "hep-th/9901001", "cs.LG/0601001", "math/0309136", "/", ".", ",", "-", ":", " ", "\n", "version ", "v", "1234.5678.1234",
    "9901001", "github.com/a/b", "ı", "é", "K", "(", ")", "abs", "x", "0", "12", "\u0661\u0662\u0663\u0664", ".\u0665",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14), st.booleans())
def test_guided_scan_equals_the_plain_scan(parts: list[str], context: bool) -> None:
    text = "".join(parts)
    assert ids.find_arxiv_ids_with_versions(text, context=context) == reference(text, context=context)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="arXivAXRIV.org/:10485 2345679v-hepthcsLG,\u0131", max_size=60), st.booleans())
def test_guided_scan_equals_the_plain_scan_on_noise(text: str, context: bool) -> None:
    assert ids.find_arxiv_ids_with_versions(text, context=context) == reference(text, context=context)

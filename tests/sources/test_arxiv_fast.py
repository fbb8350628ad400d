"""The ElementTree fast path of the arXiv listing parser gives exactly feedparser's ParsedFeed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from feedhub.sources import arxiv
from tests.sources.test_arxiv_listing import CHANNEL, item, listing

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "feedhub" / "data" / "sample" / "arxiv-cs.LG.xml"


def _bench_listing(n: int) -> bytes:
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "benchmarks" / "bench_ingest.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.listing(n)


def _both(body: bytes, headers: dict[str, str] | None = None) -> tuple[arxiv.ParsedFeed, arxiv.ParsedFeed]:
    return arxiv.parse(body, headers), arxiv.parse(body, headers, fast_path=False)


def test_sample_listing_takes_the_fast_path_and_agrees() -> None:
    body = SAMPLE.read_bytes()
    assert arxiv._fast_items(body, None) is not None
    fast, slow = _both(body)
    assert fast.entries and fast == slow


def test_benchmark_listing_agrees() -> None:
    body = _bench_listing(300)
    assert arxiv._fast_items(body, None) is not None
    fast, slow = _both(body)
    assert len(fast.entries) == 300 and fast == slow


LISTING_CASES = {
    "full item": listing(item("2402.14001", title="Mass concentration", abstract="We consider $x$ &amp; more.\n  Two.",
                              categories=("math.AP", "math.OC"), creators="Antonin Monteil, Paul Pegon and Jean Dupont",
                              optional="<arxiv:DOI>10.5802/jep.257</arxiv:DOI>\n"
                                       "<arxiv:journal_reference>J. Ecole polytechnique 11</arxiv:journal_reference>")),
    "announce types": listing(*(item(f"2203.0125{i}", v=i + 1, type_=t) for i, t in
                                enumerate(("new", "cross", "replace", "replace-cross", "weird")))),
    "old-style id": listing(item("math/0309136", v=2, type_="replace")),
    "empty weekend listing": listing(),
    "item without an id": listing(item("2402.14001"), "<item><title>No id</title><description>nothing</description></item>"),
    "entities, CDATA, markup in text": listing(item("2402.14002", title="A &lt;b&gt;bold&lt;/b&gt; &amp;amp; claim",
                                                    abstract="<![CDATA[See <a href='https://github.com/a/b'>code</a> &amp; more]]>",
                                                    creators="Jos&#233; Garc&#237;a and M\u00fcller, J.")),
    "double-encoded utf-8 and cp1252": listing(item("2402.14003", title="Caf\u00c3\u00a9 \u0093quoted\u0094",
                                                    creators="Ren\u00c3\u00a9 Descartes")),
    "whitespace and duplicates": listing(item("2402.14004", title="  Spaced\n   title  ", categories=("cs.LG", " cs.LG ", "", "stat.ML"),
                                              creators="  A ,  B , and C  ")),
    "permalink guid without link": CHANNEL.format(items="<item><title>T</title><guid>https://arxiv.org/abs/2402.14005v3</guid>"
                                                        "<description>x</description></item>").encode(),
    "link after permalink guid": CHANNEL.format(items="<item><guid>oai:arXiv.org:2402.14006v1</guid>"
                                                      "<link>https://arxiv.org/abs/2402.14006?a=1&amp;b=2</link></item>").encode(),
    "several creators, one empty": CHANNEL.format(items="<item><guid isPermaLink='false'>oai:arXiv.org:2402.14007v1</guid>"
                                                        "<dc:creator></dc:creator><dc:creator>A and B</dc:creator>"
                                                        "<category domain='x'>cs.AI</category></item>").encode(),
    "bad date": listing(item("2402.14008").replace("Fri, 23 Feb 2024 00:00:00 -0500", "someday")),
    "no channel title": CHANNEL.replace("<title>cs.LG updates on arXiv.org</title>", "").format(items=item("2402.14009")).encode(),
}


@pytest.mark.parametrize("name", list(LISTING_CASES))
@pytest.mark.parametrize("headers", [None, {"content-type": "application/rss+xml; charset=utf-8"}, {"content-type": "text/xml"}])
def test_listing_variants_agree(name: str, headers: dict[str, str] | None) -> None:
    body = LISTING_CASES[name]
    fast, slow = _both(body, headers)
    assert fast == slow


@pytest.mark.parametrize("name", ["full item", "empty weekend listing", "entities, CDATA, markup in text",
                                  "double-encoded utf-8 and cp1252", "several creators, one empty"])
def test_listing_variants_take_the_fast_path(name: str) -> None:
    assert arxiv._fast_items(LISTING_CASES[name], None) is not None


@pytest.mark.parametrize(
    "body,headers",
    [
        (listing(item("2402.14001")).replace(b"</channel>", b"<item><title>unclosed</channel>"), None),  # malformed
        (listing(item("2402.14001")).replace(b"<title>A Paper</title>", b"<title>A <!-- c --> Paper</title>"), None),
        (listing(item("2402.14001")).replace(b"<channel>", b'<channel xml:base="https://example.org/">'), None),
        (listing(item("2402.14001")).replace(b"xmlns:arxiv=", b"xmlns:ax=").replace(b"arxiv:", b"ax:"), None),
        (listing(item("2402.14001")).replace(b"<dc:creator>", b"<dc:creator>ada@example.org "), None),
        (listing(item("2402.14001")).replace(b"</item>", b"<comments>x</comments></item>"), None),
        (listing(item("2402.14001")), {"content-location": "https://rss.arxiv.org/rss/cs.LG"}),
        (listing(item("2402.14001")).replace(b"A Paper", b"A \xff Paper"), None),  # not utf-8
        (listing(item("2402.14001", title="Caf\u00e9")), {"content-type": "text/xml"}),  # us-ascii by RFC 3023
    ],
)
def test_inputs_outside_the_fast_path_fall_back_and_agree(body: bytes, headers: dict[str, str] | None) -> None:
    assert arxiv._fast_items(body, headers) is None
    fast, slow = _both(body, headers)
    assert fast == slow


def test_malformed_listing_still_recovers_with_a_warning() -> None:
    body = listing(item("2402.14001"), item("2402.14002")).replace(b"</channel>", b"<item><title>x &bogus; y</title></channel>")
    feed = arxiv.parse(body)
    assert [e.extra["arxiv_id"] for e in feed.entries][:2] == ["2402.14001", "2402.14002"]
    assert feed.warning

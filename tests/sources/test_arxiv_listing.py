"""arXiv RSS listings, built from arXiv's element list (arxiv-docs help/rss_specifications.md; see
../shared/corpora/arxiv/README.md: no genuine capture of the current listing exists to test on)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from feedhub.errors import InvalidInput, NotAFeed
from feedhub.sources import parse
from feedhub.sources.arxiv import is_listing_url, listing_url, split_authors
from feedhub.subscriptions.manage import resolve_spec

CHANNEL = """<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/cs.LG" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>Fri, 23 Feb 2024 05:00:11 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Fri, 23 Feb 2024 00:00:00 -0500</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
{items}
  </channel>
</rss>
"""

ITEM = """    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{v} Announce Type: {type} 
Abstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{v}</guid>
{categories}
      <pubDate>Fri, 23 Feb 2024 00:00:00 -0500</pubDate>
      <arxiv:announce_type>{type}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
{optional}
      <dc:creator>{creators}</dc:creator>
    </item>"""


def item(arxiv_id: str, v: int = 1, type_: str = "new", title: str = "A Paper", abstract: str = "We study things.",
         categories: tuple[str, ...] = ("cs.LG",), creators: str = "Ada Lovelace, Alan Turing", optional: str = "") -> str:
    cats = "\n".join(f"      <category>{c}</category>" for c in categories)
    return ITEM.format(id=arxiv_id, v=v, type=type_, title=title, abstract=abstract, categories=cats,
                       creators=creators, optional=optional)


def listing(*items: str) -> bytes:
    return CHANNEL.format(items="\n".join(items)).encode()


def test_new_item_fields() -> None:
    body = listing(
        item(
            "2402.14001", v=1, title="Mass concentration in rescaled first order integral functionals",
            abstract="We consider $\\min \\int f(u,\\nabla u)$ under a mass constraint &amp; more.\n  Second line.",
            categories=("math.AP", "math.OC"), creators="Antonin Monteil, Paul Pegon and Jean Dupont",
            optional="      <arxiv:DOI>10.5802/jep.257</arxiv:DOI>\n"
                     "      <arxiv:journal_reference>Journal de l'Ecole polytechnique, Tome 11 (2024)</arxiv:journal_reference>",
        )
    )
    feed = parse("arxiv", body)
    assert feed.title == "cs.LG updates on arXiv.org"
    assert feed.extra["skip_days"] == ["Saturday", "Sunday"]
    (e,) = feed.entries
    assert e.guid == "oai:arXiv.org:2402.14001v1"
    assert e.link == "https://arxiv.org/abs/2402.14001"
    assert e.title == "Mass concentration in rescaled first order integral functionals"
    assert e.authors == ["Antonin Monteil", "Paul Pegon", "Jean Dupont"]
    assert e.tags == ["math.AP", "math.OC"]
    assert e.published == datetime(2024, 2, 23, 5, 0, tzinfo=timezone.utc)
    x = e.extra
    assert x["arxiv_id"] == "2402.14001" and x["version"] == 1
    assert x["announce_type"] == "new" and x["is_update"] is False
    assert x["abstract"] == "We consider $\\min \\int f(u,\\nabla u)$ under a mass constraint & more. Second line."
    assert not x["abstract"].startswith("arXiv:")
    assert x["doi"] == "10.5802/jep.257"
    assert x["journal_ref"] == "Journal de l'Ecole polytechnique, Tome 11 (2024)"
    assert x["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert x["categories"] == ["math.AP", "math.OC"]


@pytest.mark.parametrize(
    "type_,update", [("new", False), ("cross", False), ("replace", True), ("replace-cross", True)]
)
def test_announce_types(type_: str, update: bool) -> None:
    (e,) = parse("arxiv", listing(item("2203.01250", v=3, type_=type_))).entries
    assert e.extra["announce_type"] == type_
    assert e.extra["is_update"] is update
    assert e.extra["version"] == 3


def test_old_style_id_in_guid() -> None:
    (e,) = parse("arxiv", listing(item("math/0309136", v=2, type_="replace"))).entries
    assert e.extra["arxiv_id"] == "math/0309136"
    assert e.link == "https://arxiv.org/abs/math/0309136"


def test_empty_weekend_listing_is_not_an_error() -> None:
    feed = parse("arxiv", listing())
    assert feed.entries == []
    assert feed.warning is None


def test_item_without_an_id_is_skipped_with_a_warning() -> None:
    broken = "<item><title>No id</title><description>nothing</description></item>"
    feed = parse("arxiv", listing(item("2402.14001"), broken))
    assert [e.extra["arxiv_id"] for e in feed.entries] == ["2402.14001"]
    assert "1 item(s) without an arXiv id skipped" in (feed.warning or "")


def test_legacy_listing_format() -> None:
    legacy = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://arxiv.org/"><title>cs.LG updates on arXiv.org</title><link>http://arxiv.org/</link>
<description>cs.LG</description></channel>
<item rdf:about="http://arxiv.org/abs/1802.06070">
<title>Diversity is All You Need. (arXiv:1802.06070v2 [cs.AI] UPDATED)</title>
<link>http://arxiv.org/abs/1802.06070</link>
<description rdf:parseType="Literal">&lt;p&gt;We propose DIAYN.&lt;/p&gt;</description>
<dc:creator> &lt;a href="http://arxiv.org/find/cs/1/au:+Eysenbach_B/0/1/0/all/0/1"&gt;Benjamin Eysenbach&lt;/a&gt;, &lt;a href="x"&gt;Sergey Levine&lt;/a&gt;</dc:creator>
</item></rdf:RDF>"""
    (e,) = parse("arxiv", legacy.encode()).entries
    assert e.title == "Diversity is All You Need"
    assert e.extra["arxiv_id"] == "1802.06070" and e.extra["version"] == 2
    assert e.extra["announce_type"] == "replace"
    assert e.extra["abstract"] == "We propose DIAYN."
    assert e.authors == ["Benjamin Eysenbach", "Sergey Levine"]


@pytest.mark.parametrize(
    "body,message",
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
        (b"hello", "not an arXiv listing"),
    ],
)
def test_not_a_listing(body: bytes, message: str) -> None:
    with pytest.raises(NotAFeed, match=message):
        parse("arxiv", body)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("A, B and C", ["A", "B", "C"]),
        ("A, B, and C", ["A", "B", "C"]),
        ("Jean-Luc Picard", ["Jean-Luc Picard"]),
        ("", []),
    ],
)
def test_split_authors(value: str, expected: list[str]) -> None:
    assert split_authors(value) == expected


def test_shorthand_and_plain_url_are_arxiv_sources() -> None:
    spec = resolve_spec("arxiv:cs.LG+cs.CV")
    assert (spec.kind, spec.url, spec.section) == ("arxiv", "https://rss.arxiv.org/rss/cs.LG+cs.CV", "papers")
    spec = resolve_spec("https://rss.arxiv.org/rss/cs.CL")
    assert (spec.kind, spec.section) == ("arxiv", "papers")
    assert resolve_spec("https://example.org/rss/cs.CL").kind == "rss"


@pytest.mark.parametrize("bad", ["", "cs.LG+", "cs LG!", "../etc", "CS.lg"])
def test_bad_shorthand_is_one_line(bad: str) -> None:
    if bad == "cs.LG+":
        assert listing_url(bad) == "https://rss.arxiv.org/rss/cs.LG"
        return
    with pytest.raises(InvalidInput, match="arxiv:cs.LG"):
        resolve_spec(f"arxiv:{bad}")


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://rss.arxiv.org/rss/cs.LG", True),
        ("http://rss.arxiv.org/atom/cs.LG+cs.CV", True),
        ("http://export.arxiv.org/rss/cs.LG", True),
        ("https://arxiv.org/abs/1802.03268", False),
        ("https://example.org/rss/cs.LG", False),
    ],
)
def test_is_listing_url(url: str, ok: bool) -> None:
    assert is_listing_url(url) is ok

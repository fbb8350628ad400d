"""Rendering: Markdown, HTML, JSON, Atom, e-mail; escaping; Korean; empty weeks; storing and re-running."""

from __future__ import annotations

import email
import json
import re
import xml.etree.ElementTree as ET
from email.policy import default

import pytest

from feedhub.digest.api import make_digest, output_format, stored_digests
from feedhub.digest.window import iso_week
from feedhub.errors import InvalidInput
from tests.digest.digestutil import Store, at, entry

W08 = iso_week("2018-W08", "Asia/Seoul")


def small_week(store: Store) -> None:
    letter = store.source("Newsletter")
    listing = store.source("arXiv listing", section="papers", kind="arxiv")
    store.paper("1802.05365", "Deep contextualized word representations", authors=("Matthew E. Peters", "Mark Neumann", "Mohit Iyyer", "Matt Gardner"), published=at(15))
    store.repo("allenai/bilm-tf", 1500, paper="1802.05365")
    store.repro("1802.05365", "elmo-mix", verdict="reproduced")
    store.feed(listing, entry("Deep contextualized word representations", "https://arxiv.org/abs/1802.05365", "Abstract.", when=at(20)))
    store.feed(letter,
               entry("Cloud TPUs in beta", "https://cloud.example.com/tpu?utm_source=x", "<p>Rent TPUs.</p>", when=at(25, 9), tags=("News",), guid="n1"),
               entry("A tutorial on <b>UMAP</b>", "https://blog.example.org/umap/", "A walk-through.", when=at(21), tags=("Posts",), guid="p1"),
               entry("bilm-tf", "https://github.com/allenai/bilm-tf", "ELMo code.", when=at(22), tags=("Code",), guid="c1"),
               entry("ELMo", "https://arxiv.org/abs/1802.05365v1", "<p>ELMo: deep contextual vectors.</p>", when=at(25, 9), tags=("Papers",), guid="r1"))  # fmt: skip


def test_markdown_has_four_sections_and_every_paper_detail(store: Store) -> None:
    small_week(store)
    md = make_digest(store.engine, W08).text
    assert [line for line in md.splitlines() if line.startswith("## ")] == [
        "## News", "## Posts, Articles & Tutorials", "## Code, Projects & Data", "## Highlighted Research Papers",
    ]  # fmt: skip
    assert "**[Cloud TPUs in beta](https://cloud.example.com/tpu)**" in md  # tracking parameter gone
    paper = md[md.index("## Highlighted") :]
    assert "[Deep contextualized word representations](https://arxiv.org/abs/1802.05365)" in paper
    assert "Matthew E. Peters, Mark Neumann, Mohit Iyyer, et al." in paper
    assert "code: [allenai/bilm-tf](https://github.com/allenai/bilm-tf) ★ 1,500" in paper
    assert "reproduce: `feedhub repro run elmo-mix` (last run: reproduced)" in paper
    assert "Newsletter, arXiv listing" in paper and "2 mentions" in paper
    assert "*Feb 19 – Feb 25, 2018 (Asia/Seoul)*" in md


def test_explain_shows_every_factor(store: Store) -> None:
    small_week(store)
    md = make_digest(store.engine, W08, explain=True).text
    stories = [line for line in md.splitlines() if re.match(r"^\d+\. ", line)]
    explains = [line for line in md.splitlines() if line.strip().startswith("score ")]
    assert len(explains) == len(stories) == 4
    assert any("code 1.14" in line and "reproduction 0.75" in line for line in explains)


def test_korean(store: Store) -> None:
    small_week(store)
    md = make_digest(store.engine, W08, lang="ko").text
    for title in ("## 뉴스", "## 글·아티클·튜토리얼", "## 코드·프로젝트·데이터", "## 주목할 논문"):
        assert title in md
    assert "# 주간 AI 다이제스트 · 2018년 8주차" in md
    assert "2018년 2월 19일 (월) – 2월 25일 (일)" in md
    assert "재현: `feedhub repro run elmo-mix`" in md and "언급 2회" in md
    assert "Mohit Iyyer 외" in md
    for english in ("## News", "Posts, Articles", "Highlighted", "reproduce", "mentions", "et al.", "Feb "):
        assert english not in md


def test_json_has_stable_keys(store: Store) -> None:
    small_week(store)
    model = json.loads(make_digest(store.engine, W08, fmt="json").text)
    assert sorted(model) == ["also", "format", "lang", "per_section", "sections", "total_stories", "tz", "week", "window"]
    story = model["sections"][3]["stories"][0]
    assert sorted(story) == ["code", "explain", "key", "mentions", "paper", "published_at", "related", "repro", "score",
                             "section", "sources", "summary", "title", "url", "why"]  # fmt: skip
    assert all(sorted(s) == sorted(story) for sec in model["sections"] for s in sec["stories"])


def test_rerunning_a_week_gives_the_same_digest_until_new_items_arrive(store: Store) -> None:
    small_week(store)
    first = make_digest(store.engine, W08)
    again = make_digest(store.engine, W08)
    assert first.changed and not again.changed and first.text == again.text
    (row,) = stored_digests(store.engine)
    store.feed(store.source("Late blog", section="posts"), entry("A late post", "https://late.example.org/1", when=at(24)))
    third = make_digest(store.engine, W08)
    assert third.changed and "A late post" in third.text
    (row2,) = stored_digests(store.engine)
    assert row2["id"] == row["id"] and row2["content_hash"] != row["content_hash"]


def test_empty_week_says_so(store: Store) -> None:
    result = make_digest(store.engine, iso_week("2019-W08", "UTC"))
    assert "Nothing was pulled for this period" in result.text
    html = make_digest(store.engine, iso_week("2019-W08", "UTC"), fmt="html").text
    assert 'id="empty"' in html


HOSTILE_TITLE = '<img src=x onerror=alert(1)>"><script>alert(2)</script> [x](javascript:alert(3)) *bold*'


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "https://ok.example.org/a\"onmouseover=\"alert(1)"])
def test_hostile_titles_and_links_are_inert(store: Store, link: str) -> None:
    src = store.source("Evil <b>source</b>")
    store.feed(src, entry(HOSTILE_TITLE, link, "<p onclick=x>hi</p><script>alert(4)</script>", when=at(20), tags=("News",)))
    html = make_digest(store.engine, W08, fmt="html").text
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.I)  # no on* attribute
    hrefs = re.findall(r"""\b(?:href|src|action)\s*=\s*["']?([^"' >]*)""", html, re.I)
    assert hrefs == [] or all(h.startswith(("https://", "http://")) for h in hrefs)
    assert "Evil &lt;b&gt;source&lt;/b&gt;" in html  # names are escaped, not rendered
    md = make_digest(store.engine, W08).text
    assert not re.search(r"(?<!\\)\]\((?!https?://)", md)  # no Markdown link to anything but http(s)
    assert "<script" not in md.lower() and not re.search(r"(?<!\\)<\w", md)  # no raw HTML tag


def test_html_is_self_contained(store: Store) -> None:
    small_week(store)
    html = make_digest(store.engine, W08, fmt="html").text
    assert html.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in html
    assert "default-src 'none'" in html  # a CSP: nothing loads, nothing runs
    assert not re.search(r"<(script|link|img|iframe)\b", html, re.I)
    assert not re.search(r"""(src|srcset)\s*=|@import|url\(""", html, re.I)
    assert html.count('class="section"') == 4


def test_atom_feed_of_stored_digests(store: Store) -> None:
    small_week(store)
    make_digest(store.engine, iso_week("2018-W07", "Asia/Seoul"))
    atom = make_digest(store.engine, W08, fmt="atom").text
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(atom.encode())
    entries = root.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["Weekly AI digest · 2018-W08", "Weekly AI digest · 2018-W07"]
    assert len({e.findtext("a:id", namespaces=ns) for e in entries}) == 2
    content = entries[0].find("a:content", ns)
    assert content is not None and content.get("type") == "html" and "Deep contextualized" in (content.text or "")
    # feedparser, like any reader, reads it
    import feedparser

    parsed = feedparser.parse(atom)
    assert not parsed.bozo and len(parsed.entries) == 2


def test_eml_is_multipart_text_and_html(store: Store) -> None:
    small_week(store)
    raw = make_digest(store.engine, W08, fmt="eml", lang="ko").text
    msg = email.message_from_string(raw, policy=default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"] == "AI 다이제스트 2018년 8주차"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "## 주목할 논문" in text and "<h2>주목할 논문</h2>" in html


@pytest.mark.parametrize(
    ("fmt", "out", "expected"),
    [(None, None, "md"), (None, "d.html", "html"), (None, "x/d.HTM", "html"), (None, "d.json", "json"), (None, "d.atom", "atom"),
     (None, "d.eml", "eml"), ("md", "d.html", "md")],
)  # fmt: skip
def test_output_format(fmt, out, expected) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    assert output_format(fmt, Path(out) if out else None) == expected


@pytest.mark.parametrize(("fmt", "out"), [("pdf", None), (None, "d.txt")])
def test_bad_output_format(fmt, out) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    with pytest.raises(InvalidInput):
        output_format(fmt, Path(out) if out else None)

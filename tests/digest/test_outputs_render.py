"""The digest's outputs where people read them (issue 19): Markdown through a CommonMark renderer, Atom in a
feed reader, HTML in Chromium (Korean line breaking, print), the .eml file in a mail tool."""

from __future__ import annotations

import email
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.policy import default
from pathlib import Path
from typing import Any, Iterator

import pytest

from feedhub.digest.api import install_id, make_digest
from feedhub.digest.window import iso_week
from tests.conftest import missing
from tests.digest.digestutil import Store, at, entry
from tests.digest.test_render import W08, small_week

ATOM = {"a": "http://www.w3.org/2005/Atom"}
AFTER_W08 = datetime(2018, 3, 1, tzinfo=timezone.utc)
DURING_W08 = datetime(2018, 2, 22, tzinfo=timezone.utc)


def two_repro_week(store: Store) -> None:
    small_week(store)
    store.repro("1802.05365", "elmo-layers", verdict=None)


def test_markdown_story_lines_stay_lines_in_commonmark(store: Store) -> None:
    from markdown_it import MarkdownIt

    small_week(store)
    md = make_digest(store.engine, W08).text
    tokens = MarkdownIt("commonmark").parse(md)
    items, depth, inline = [], 0, []
    for tok in tokens:  # each top-level list item's inline content, as the renderer sees it
        if tok.type == "list_item_open":
            depth += 1
            inline = []
        elif tok.type == "list_item_close":
            depth -= 1
            items.append(inline)
        elif tok.type == "inline" and depth:
            inline.append(tok)
    stories = [i for i in items if i and any(c.type == "strong_open" for c in i[0].children or [])]
    assert len(stories) == 4
    for [para] in stories:
        kinds = [c.type for c in para.children or []]
        assert "hardbreak" in kinds, para.content  # the date/sources line is its own line, not run on
        assert "softbreak" not in kinds, para.content
    html = MarkdownIt("commonmark").render(md)
    paper = html[html.index("Highlighted Research Papers") :]
    assert "<br />\n" in paper and "2 mentions<br />" in paper


def test_markdown_and_html_name_reproduce_once_for_several_reproductions(store: Store) -> None:
    from feedhub.digest.render_html import render as render_html_page

    two_repro_week(store)
    result = make_digest(store.engine, W08)
    paper_md = result.text[result.text.index("## Highlighted") :]
    assert paper_md.count("reproduce:") == 1
    assert "`feedhub repro run elmo-layers`" in paper_md and "`feedhub repro run elmo-mix` (last run: reproduced)" in paper_md
    html = render_html_page(result.model)
    card = html[html.index("Highlighted Research Papers") :]
    assert card.count('class="repro"') == 1 and card.count("<code>feedhub repro run") == 2


def test_atom_has_self_and_alternate_links_and_ids_unique_to_the_install(store: Store, tmp_path: Path) -> None:
    small_week(store)
    make_digest(store.engine, iso_week("2018-W07", "Asia/Seoul"))
    url = "https://example.org/feeds/digest.atom"
    atom = make_digest(store.engine, W08, fmt="atom", feed_url=url, now=AFTER_W08).text
    root = ET.fromstring(atom.encode())
    links = {(link.get("rel"), link.get("href")) for link in root.findall("a:link", ATOM)}
    assert links == {("self", url), ("alternate", "https://example.org/feeds/")}
    entries = root.findall("a:entry", ATOM)
    assert [e.find("a:link", ATOM).get("href") for e in entries] == [  # type: ignore[union-attr]
        "https://example.org/feeds/2018-W08.html", "https://example.org/feeds/2018-W07.html"]
    import feedparser

    parsed = feedparser.parse(atom)
    assert not parsed.bozo and parsed.feed.links[0].href == url and parsed.entries[0].link == "https://example.org/feeds/2018-W08.html"
    # Two installs (two data dirs) publishing the same week: distinct ids, stable for each.
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    ids = {}
    for home in (home_a, home_b, home_a):
        text = make_digest(store.engine, W08, fmt="atom", install_id=install_id(home), now=AFTER_W08).text
        ids.setdefault(home, set()).add(tuple(e.findtext("a:id", namespaces=ATOM) for e in ET.fromstring(text.encode()).findall("a:entry", ATOM)))
    assert len(ids[home_a]) == 1 and ids[home_a].isdisjoint(ids[home_b])
    assert not set(next(iter(ids[home_a]))) & set(next(iter(ids[home_b])))


def test_atom_leaves_out_the_week_still_running(store: Store) -> None:
    small_week(store)
    make_digest(store.engine, iso_week("2018-W07", "Asia/Seoul"))
    during = make_digest(store.engine, W08, fmt="atom", now=DURING_W08).text
    titles = [e.findtext("a:title", namespaces=ATOM) for e in ET.fromstring(during.encode()).findall("a:entry", ATOM)]
    assert titles == ["Weekly AI digest · 2018-W07"]  # W08 is stored, and published once it is over
    after = make_digest(store.engine, W08, fmt="atom", now=AFTER_W08).text
    assert len(ET.fromstring(after.encode()).findall("a:entry", ATOM)) == 2


def test_eml_has_a_date_and_the_headline_in_its_subject(store: Store) -> None:
    small_week(store)
    when = datetime(2018, 2, 26, 9, tzinfo=timezone.utc)
    raw = make_digest(store.engine, W08, fmt="eml", now=when).text
    msg = email.message_from_string(raw, policy=default)
    assert msg["Date"] is not None and msg["Date"].datetime == when
    assert msg["Subject"] == "AI digest 2018-W08: Cloud TPUs in beta"


def test_html_paper_cards_have_pdf_and_categories_and_mentions_are_links(store: Store) -> None:
    from feedhub.digest.render_html import render as render_html_page

    small_week(store)
    from feedhub.store.db import transaction
    from feedhub.store.models import Paper

    with transaction(store.engine) as s:
        s.get(Paper, "1802.05365").categories = ["cs.CL", "cs.LG"]
    html = render_html_page(make_digest(store.engine, W08).model)
    card = html[html.index("Highlighted Research Papers") :]
    card = card[: card.index("</li>")]
    assert '<a href="https://arxiv.org/pdf/1802.05365" rel="noopener noreferrer">PDF</a>' in card
    assert '<span class="cat">cs.CL</span> <span class="cat">cs.LG</span>' in card
    # The newsletter's item and the listing's entry are links to where the story was mentioned.
    assert '<a href="https://arxiv.org/abs/1802.05365v1" rel="noopener noreferrer">Newsletter</a>' in card
    assert '<a href="https://arxiv.org/abs/1802.05365" rel="noopener noreferrer">arXiv listing</a>' in card


# -- in Chromium -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page(viewport={"width": 360, "height": 800})
    yield p
    p.close()


@pytest.mark.browser
def test_korean_breaks_between_words_and_print_shows_only_story_urls(store: Store, page: Any) -> None:
    from feedhub.digest.render_html import render as render_html_page

    letter = store.source("뉴스레터")
    store.feed(letter, entry("강화학습으로 드론 제어하기: 시뮬레이터에서 배운 정책을 실제 기체로 옮기는 방법", "https://blog.example.kr/rl-drone",
                             "영상처리를 위한 합성곱 신경망과 강화학습의 결합", when=at(21), tags=("Posts",), guid="k1"))
    html = render_html_page(make_digest(store.engine, W08, lang="ko").model)
    page.set_content(html)
    style = page.evaluate("getComputedStyle([...document.querySelectorAll('.story h3')].find(h => h.textContent.includes('강화학습'))).wordBreak")
    assert style == "keep-all"
    # Every line of the Korean title starts at a word (after a space), never inside one.
    starts = page.evaluate("""() => {
        const h = [...document.querySelectorAll('.story h3 a')].find(a => a.textContent.includes('강화학습')), text = h.textContent, r = document.createRange(), out = [];
        let top = null;
        for (let i = 0; i < text.length; i++) {
            r.setStart(h.firstChild, i); r.setEnd(h.firstChild, i + 1);
            const rect = r.getClientRects()[0];
            if (rect && rect.top !== top) { if (top !== null) out.push(i); top = rect.top; }
        }
        return [out, text];
    }""")
    breaks, text = starts
    if not breaks and not Path("/usr/share/fonts/truetype/nanum").is_dir():
        missing("no Korean font to measure line breaks with: apt-get install -y fonts-nanum (scripts/setup.sh does)")
    assert breaks, "the title should wrap at 360 px"
    assert all(text[i - 1] == " " for i in breaks), [text[i - 3 : i + 3] for i in breaks]
    page.emulate_media(media="print")
    after = page.evaluate("""() => [...document.querySelectorAll('a')].map(a => [a.closest('h3') !== null, getComputedStyle(a, '::after').content])""")
    page.emulate_media(media="screen")
    assert any(in_title and content not in ("none", "normal") for in_title, content in after)
    assert all(content in ("none", "normal") for in_title, content in after if not in_title)

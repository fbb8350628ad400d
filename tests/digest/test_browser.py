"""The HTML digest in a real browser (headless Chromium through Playwright): it renders, and hostile
feed text placed everywhere (the XSS corpus, feedparser's sanitizer corpus) runs nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from feedhub.digest import render_html
from feedhub.digest.build import build
from feedhub.digest.window import iso_week
from feedhub.fetch.ingest import store_feed
from feedhub.sources import ParsedEntry, ParsedFeed
from feedhub.sources import parse as parse_feed
from feedhub.store.db import session_factory, transaction
from feedhub.store.models import Source

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
W08 = iso_week("2018-W08", "UTC")
WHEN = datetime(2018, 2, 21, 12, tzinfo=timezone.utc)

pytestmark = pytest.mark.browser


class Watch:
    """Everything a page does that a digest must never do."""

    def __init__(self, page: Any, url: str) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url) if r.url != url else None)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def open_page(browser: Any, path: Path, width: int = 900) -> tuple[Any, Any, Watch]:
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    url = path.as_uri()
    watch = Watch(page, url)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # let any timer-based payload fire
    return context, page, watch


def _section_counts(page: Any) -> dict[str, int]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('section[data-section]')].map("
        "s => [s.dataset.section, s.querySelectorAll('li.story').length]))"
    )


def test_sample_digest_renders_four_sections_and_a_screenshot(browser: Any, engine: Any, tmp_path: Path) -> None:
    from feedhub.ops.demo import load_demo

    load_demo(engine)
    with session_factory(engine)() as s:
        model = build(s, W08, per_section=4)
    ARTIFACTS.mkdir(exist_ok=True)
    for lang, name, width in (("en", "digest.png", 900), ("ko", "digest-ko-phone.png", 390)):
        model["lang"] = lang
        with session_factory(engine)() as s:
            model = build(s, W08, per_section=4, lang=lang)
        path = tmp_path / f"digest-{lang}.html"
        path.write_text(render_html.render(model, explain=lang == "en"), encoding="utf-8")
        context, page, watch = open_page(browser, path, width)
        counts = _section_counts(page)
        assert counts == {"news": 4, "posts": 4, "code": 4, "papers": 4}
        headings = page.locator("h2").all_inner_texts()
        expected = ["News", "Posts, Articles & Tutorials", "Code, Projects & Data", "Highlighted Research Papers"]
        if lang == "ko":
            expected = ["뉴스", "글·아티클·튜토리얼", "코드·프로젝트·데이터", "주목할 논문"]
        assert headings[:4] == expected
        papers = page.locator("#papers").inner_text()
        assert "Efficient Neural Architecture Search" in papers and "Deep contextualized word representations" in papers
        # readable on a phone: nothing wider than the viewport
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        page.emulate_media(media="print")
        assert page.locator("li.story").first.is_visible()
        assert not (watch.dialogs or watch.console or watch.requests or watch.errors)
        context.close()


def _xss_payloads(corpora: Path) -> list[str]:
    payloads: list[str] = []
    for line in (corpora / "xss" / "vectors.jsonl").read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        record = json.loads(line)
        payloads.append(record["payload"])
        if record.get("payload_unescaped"):
            payloads.append(record["payload_unescaped"])
    return payloads


def _sanitize_corpus_entries(corpora: Path) -> list[ParsedEntry]:
    """Every entry (and feed title) of feedparser's sanitizer corpus, parsed by feedhub's own parser."""
    found: list[ParsedEntry] = []
    for path in sorted((corpora / "feedparser" / "tests" / "wellformed" / "sanitize").glob("*.xml")):
        try:
            feed = parse_feed("rss", path.read_bytes())
        except Exception:  # noqa: BLE001 - a file the parser refuses is not rendered at all
            continue
        for i, e in enumerate(feed.entries or [ParsedEntry(guid=None, link=None, title="", summary="")]):
            e.guid = f"{path.name}#{i}"
            e.published = WHEN
            e.title = e.title or feed.title or e.summary
            e.tags = ["News"] if i % 2 else ["Posts"]
            found.append(e)
    return found


def test_hostile_feed_text_runs_nothing_in_chromium(browser: Any, engine: Any, corpora: Path, tmp_path: Path) -> None:
    payloads = _xss_payloads(corpora)
    entries = [
        ParsedEntry(guid=f"xss-{i}", link=p, title=p, summary=p, authors=[p], tags=[("News", "Posts", "Code", "Papers")[i % 4], p[:200]],
                    published=WHEN)  # fmt: skip
        for i, p in enumerate(payloads)
    ]
    entries += [
        ParsedEntry(guid=f"js-{i}", link=link, title=f"link {i}", summary="x", published=WHEN)
        for i, link in enumerate(["javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\nscript:alert(1)",
                                  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
                                  "https://ok.example.org/\"><script>alert(1)</script>", "//evil.example.org/x"])
    ]  # fmt: skip
    sanitize_entries = _sanitize_corpus_entries(corpora)
    assert len(payloads) > 300 and len(sanitize_entries) > 400
    with transaction(engine) as s:
        for name, batch in (("<script>alert('src')</script>", entries), ("<img src=x onerror=alert(9)>", sanitize_entries)):
            src = Source(kind="rss", url=f"https://{len(batch)}.example.org/feed", name=name, enabled=True, weight=1.0, error_count=0, options={})
            s.add(src)
            s.flush()
            store_feed(s, src, ParsedFeed(title=name, link=None, entries=batch, format="rss20"), now=datetime(2018, 3, 1, tzinfo=timezone.utc))
    with session_factory(engine)() as s:
        model = build(s, W08, per_section=100_000)  # every story on the page
    shown = sum(len(sec["stories"]) for sec in model["sections"])
    assert shown > 400
    html = render_html.render(model, explain=True)
    # escaping alone must hold: test without the page's Content-Security-Policy too
    without_csp = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert without_csp != html
    for label, text in (("with-csp", html), ("without-csp", without_csp)):
        path = tmp_path / f"xss-{label}.html"
        path.write_text(text, encoding="utf-8")
        context, page, watch = open_page(browser, path)
        assert watch.dialogs == [] and watch.console == [] and watch.errors == [], label
        assert watch.requests == [], label  # no external request of any kind
        bad = page.evaluate(
            """() => {
                const out = [];
                for (const el of document.querySelectorAll('*')) {
                    for (const a of el.attributes) {
                        if (/^on/i.test(a.name)) out.push(el.tagName + ' ' + a.name);
                        if (/^(href|src|action|formaction|xlink:href|srcdoc|style|background)$/i.test(a.name) &&
                            !/^https?:\\/\\//i.test(a.value) && a.name.toLowerCase() !== 'style') out.push(el.tagName + ' ' + a.name + '=' + a.value);
                    }
                    if (['SCRIPT','IFRAME','OBJECT','EMBED','FRAME','BASE','FORM','SVG','MATH','IMG','LINK'].includes(el.tagName.toUpperCase()))
                        out.push('element ' + el.tagName);
                }
                for (const a of document.links) if (!/^https?:$/.test(a.protocol)) out.push('link ' + a.href);
                return out;
            }"""
        )
        assert bad == [], bad[:10]
        assert page.locator("section[data-section]").count() == 4
        if label == "without-csp":
            page.screenshot(path=str(tmp_path / "xss.png"))
        context.close()

"""The group's page in Debian's Chromium (Playwright): a member's whole visit, on SQLite and PostgreSQL,
with screenshots at desktop and phone width; and every XSS vector of the corpus, placed in titles, summaries,
authors, tags, source names and notes, shown through every page without running anything."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from feedhub.store.db import transaction
from tests.web.conftest import BOB_PW, Site

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
WHEN = datetime(2018, 2, 21, 12, tzinfo=timezone.utc)

pytestmark = pytest.mark.browser


class Watch:
    def __init__(self, page: Any, base: str) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(base) else self.outside.append(r.url))
        page.on("response", lambda r: self.console.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def clean(self) -> bool:
        return not (self.dialogs or self.console or self.errors or self.outside)


def test_a_members_visit(browser: Any, site: Site) -> None:
    backend = site.engine.dialect.name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, site.base)
    page.goto(site.base + "/week/2018-W08")
    assert page.url.startswith(site.base + "/signin")
    page.fill("input[name=name]", "bob")
    page.fill("input[name=password]", BOB_PW)
    page.click("form.signin button[type=submit]")
    page.wait_for_url(site.base + "/week/2018-W08")
    assert page.locator("section.section").count() >= 4
    stories = page.locator("li.story")
    assert stories.count() >= 6
    assert page.locator("li.story .why").count() >= 1
    page.screenshot(path=str(ARTIFACTS / f"week-desktop-{backend}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"week-desktop-top-{backend}.png"))  # what the README shows
    # dismiss a story: gone in place (the script), and still gone after a reload
    first = stories.first
    title = first.locator("h3").inner_text()
    first.locator("form.dismiss button").click()
    page.wait_for_function("t => ![...document.querySelectorAll('li.story h3')].some(h => h.innerText === t)", arg=title)
    page.reload()
    assert title not in [h.inner_text() for h in page.locator("li.story h3").all()]
    # search, then open a paper and save it
    page.click("header nav a[href='/search']")
    page.fill("input[name=q]", "contextualized")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#count")
    assert page.locator("li.hit").count() >= 1
    page.locator("li.hit h3 a[href^='/paper/']").first.click()
    page.wait_for_url("**/paper/**")
    paper_title = page.locator("h1").inner_text()
    page.wait_for_selector("#related ul.related li a")  # filled in by the page's script
    page.fill("form.save input[name=tags]", "reading-group")
    page.click("#save")
    page.wait_for_load_state()
    page.goto(site.base + "/saved")
    assert paper_title in page.locator("ul.saved").inner_text() and "reading-group" in page.content()
    # language
    page.goto(site.base + "/week/2018-W08")
    page.select_option("select[name=lang]", "ko")
    page.wait_for_function("() => document.documentElement.lang === 'ko'")
    assert "이번 주" in page.locator("header nav").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"week-ko-desktop-{backend}.png"), full_page=True)
    # the phone
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    p2 = phone.new_page()
    w2 = Watch(p2, site.base)
    for name, path in (("week", "/week/2018-W08"), ("paper", "/paper/1802.05365"), ("search", "/search?q=learning")):
        p2.goto(site.base + path)
        assert p2.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways on a phone"
        p2.screenshot(path=str(ARTIFACTS / f"{name}-phone-{backend}.png"), full_page=True)
    phone.close()
    # sign out
    page.click("#signout")
    page.wait_for_url("**/signin")
    page.goto(site.base + "/saved")
    assert page.url.startswith(site.base + "/signin")
    assert watch.clean(), (watch.dialogs, watch.console, watch.errors, watch.outside)
    assert w2.clean()
    context.close()


def _payloads(corpora: Path) -> list[str]:
    out = []
    for line in (corpora / "xss" / "vectors.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            record = json.loads(line)
            out.append(record["payload"])
            if record.get("payload_unescaped"):
                out.append(record["payload_unescaped"])
    return out


def _plant(site: Site, payloads: list[str]) -> None:
    """Every vector as a source's name, entries' titles, summaries, authors and tags, papers' titles, authors
    and abstracts, saved tags and notes, rules and follows of bob."""
    from feedhub.errors import InvalidInput
    from feedhub.fetch.ingest import store_feed
    from feedhub.search.interests import add_rule
    from feedhub.search.members import resolve
    from feedhub.sources import ParsedEntry, ParsedFeed
    from feedhub.store.models import Follow, Paper, Saved, Source

    with transaction(site.engine) as s:
        bob = resolve(s, "bob")
        for n in range(0, len(payloads), 120):
            chunk = payloads[n : n + 120]
            src = Source(kind="rss", url=f"https://xss{n}.example.org/feed", name=chunk[0], enabled=True, weight=1.0, error_count=3,
                         last_error=chunk[-1], options={})  # fmt: skip
            s.add(src)
            s.flush()
            entries = [ParsedEntry(guid=f"x{n}-{i}", link=p if i % 2 else f"https://x.example.org/{n}/{i}", title=p, summary=p, authors=[p],
                                   tags=[("News", "Posts", "Code", "Papers")[i % 4], p[:200]], published=WHEN) for i, p in enumerate(chunk)]  # fmt: skip
            store_feed(s, src, ParsedFeed(title=chunk[0], link=None, entries=entries, format="rss20"), now=datetime(2018, 3, 1, tzinfo=timezone.utc))
        for i, p in enumerate(payloads):
            pid = f"1802.9{i:04d}"
            s.add(Paper(arxiv_id=pid, title=p, authors=[p, "A. Author"], abstract=p, categories=["cs.LG"], published_at=WHEN, updated_at=WHEN, version=1))
            if i < 60:
                s.add(Saved(member_id=bob.id, paper_id=pid, tags=[p[:60]], note=p))
                try:  # rules are checked before they are stored: the vector as a phrase (quotes cannot nest)
                    add_rule(s, "exclude", '"' + p[:300].replace('"', "'") + '"', bob.id)
                except InvalidInput:
                    pass
                s.add(Follow(member_id=bob.id, kind="author", value=p[:300]))


def test_hostile_text_runs_nothing_on_any_page(browser: Any, site: Site, corpora: Path) -> None:
    payloads = _payloads(corpora)
    assert len(payloads) > 300
    _plant(site, payloads)
    from feedhub.search.members import resolve

    with transaction(site.engine) as s:  # bob is an admin for this test, so the sources page is shown too
        resolve(s, "bob").is_admin = True
    paths = ["/week/2018-W08", "/week/2018-W08?for=me", "/saved", "/interests", "/sources", "/paper/1802.90000", "/paper/1802.90007",
             "/search?q=script", "/search?q=alert+onerror", "/search?q=img&kind=entry", "/search?q=svg&kind=paper", "/repro/adam"]  # fmt: skip
    for bypass in (False, True):  # escaping alone must hold: once more with the page's CSP switched off
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass)
        page = ctx.new_page()
        watch = Watch(page, site.base)
        page.goto(site.base + site.link("bob"))
        for path in paths:
            r = page.goto(site.base + path, wait_until="load")
            assert r is not None and r.status == 200, (path, r and r.status, page.locator("#problem").all_inner_texts())
            page.wait_for_timeout(200)  # a timer-based payload would fire now
            bad = page.evaluate(
                """() => {
                    const out = [];
                    for (const el of document.querySelectorAll('body *')) {
                        for (const a of el.attributes) {
                            if (/^on/i.test(a.name)) out.push(el.tagName + ' ' + a.name);
                            if (a.name === 'style' || a.name === 'srcdoc') out.push(el.tagName + ' ' + a.name);
                        }
                        if (['SCRIPT','IFRAME','OBJECT','EMBED','FRAME','BASE','SVG','MATH','LINK','META','STYLE'].includes(el.tagName.toUpperCase()))
                            out.push('element ' + el.tagName);
                    }
                    for (const a of document.links) if (!/^https?:$/.test(a.protocol)) out.push('link ' + a.href);
                    return out;
                }"""
            )
            assert bad == [], (path, bad[:5])
            assert page.locator("main").count() == 1, path
        assert watch.clean(), (bypass, watch.dialogs[:3], watch.console[:3], watch.errors[:3], watch.outside[:3])
        if not bypass:
            page.goto(site.base + "/week/2018-W08")
            page.screenshot(path=str(ARTIFACTS.mkdir(parents=True, exist_ok=True) or ARTIFACTS / f"xss-week-{site.engine.dialect.name}.png"))
        ctx.close()

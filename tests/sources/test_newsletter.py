"""Newsletter issues split into items, on every real issue in ../shared/corpora/newsletters and on our own
fixtures for what those lack (nested tables, "read more", sponsor blocks, footers, tracking redirects)."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import pytest

from feedhub.links.html import sanitize_html
from feedhub.links.redirects import unwrap_redirect
from feedhub.sources import parse
from feedhub.sources.newsletter import split_issue

BOILER = re.compile(r"unsubscribe|view (this email )?(online|in (your )?browser)|please subscribe|welcome to|"
                    r"forwarded message|manage (your )?subscription|read on the web|update your preferences", re.I)  # fmt: skip
EMAILS = "newsletters/html/omnivore_content_handler"
# Issues of items (Cooperpress, a daily of links): each item has a title and a link; the rest are essays.
STRUCTURED = {"node-weekly-newsletter.html": 20, "energy-world-newsletter.html": 20}


def _emails(corpora: Path) -> list[Path]:
    found = sorted((corpora / EMAILS).glob("*.html"))
    assert len(found) == 16
    return found


def test_every_real_email_issue_splits_or_reads_clean(corpora: Path) -> None:
    for path in _emails(corpora):
        raw = path.read_text(encoding="utf-8", errors="replace")
        for text in (raw, sanitize_html(raw)):  # as e-mailed, and as stored after the sanitizer
            issue = split_issue(text)
            assert not BOILER.search(issue.summary), (path.name, issue.summary[:200])
            for item in issue.items:
                assert item.title and item.url.startswith(("http://", "https://")), (path.name, item)
                assert not BOILER.search(item.title) and not BOILER.search(item.blurb), (path.name, item.title, item.blurb[:120])
                assert "sponsor" not in item.blurb.lower()[:80], (path.name, item.title)
            if path.name in STRUCTURED:
                assert issue.structured and len(issue.items) >= STRUCTURED[path.name], (path.name, len(issue.items))
            elif not issue.structured:
                assert issue.summary or path.name == "substack-newsletter-new.html"  # that one is a template without text


def test_cooperpress_issue_items_have_heading_title_and_blurb(corpora: Path) -> None:
    issue = split_issue(sanitize_html((corpora / EMAILS / "node-weekly-newsletter.html").read_text(encoding="utf-8")))
    titles = [i.title for i in issue.items]
    assert titles[0] == "Node.js 19 Released"
    assert issue.items[0].blurb.startswith("As an odd-numbered release")
    assert "Memetria: Secure, Scalable, Full-Featured Redis 7 Hosting" not in titles  # the sponsor
    assert "Choosing the Best Node.js Docker Image" in titles
    brief = next(i for i in issue.items if i.title == "Node 18.11.0 (Current)")
    assert brief.heading == "IN BRIEF"
    assert not any("subscription" in t.lower() for t in titles)  # the footer


def test_substack_essays_are_one_story_with_a_clean_summary(corpora: Path) -> None:
    for name in ("tomasz-tunguz-newsletter.html", "substack-private-forwarded-newsletter.html", "hey-world-newsletter.html"):
        issue = split_issue(sanitize_html((corpora / EMAILS / name).read_text(encoding="utf-8")))
        assert not issue.structured and len(issue.summary) > 100, name
        assert not re.search(r"forwarded|subscribe here|^from:", issue.summary, re.I), (name, issue.summary[:160])


@pytest.mark.parametrize("index", range(111))
def test_every_issue_of_the_self_hosted_weekly(corpora: Path, index: int) -> None:
    feed = parse("rss", (corpora / "newsletters/feeds/feeder__rss_nixers_newsletter.xml").read_bytes())
    assert len(feed.entries) == 111
    entry = feed.entries[index]
    issue = split_issue(sanitize_html(entry.summary), title=entry.title)
    links = len(re.findall(r"href=", entry.summary))
    if links >= 3:
        assert issue.structured, (index, entry.title, links)
        for item in issue.items:
            assert item.url.startswith("http") and item.title and not item.title.startswith("http"), (index, item)


def test_every_weekly_markdown_issue(corpora: Path) -> None:
    paths = sorted((corpora / "newsletters/markdown/lwkd").glob("*.md"))
    assert len(paths) == 12
    for path in paths:
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^title: (.*)$", text, re.M).group(1)  # type: ignore[union-attr]
        issue = split_issue(text, title=title)
        assert issue.structured and len(issue.items) >= 4, path.name
        headings = {i.heading for i in issue.items}
        assert headings & {"Developer News", "Featured PR", "KEP of the Week", "Other Merges", "Release Schedule", "Featured PRs"}, (path.name, headings)
        for item in issue.items:
            assert item.url.startswith("http") and item.title and "](" not in item.title and "**" not in item.blurb


def test_a_daily_already_split_into_items_is_left_alone(corpora: Path) -> None:
    records = json.loads((corpora / "newsletters/parsed/pgr86_tldr-rss__feed_news_ai.json").read_text(encoding="utf-8"))
    assert len(records) > 20
    for r in records:
        assert not split_issue(r["content"], title=r["title"]).structured  # one story per item, as today


def test_articles_of_real_blog_and_newsletter_feeds_are_not_split(corpora: Path) -> None:
    # Stratechery's monthly "2026.07: ..." posts are link round-ups (split); its articles and interviews are not.
    for name in ("fastfeedparser__73c63ac29e5d1dc8_stratechery.xml", "fastfeedparser__a44f75939f245a7e_404media_ghost.xml"):
        feed = parse("rss", (corpora / "newsletters/feeds" / name).read_bytes())
        split = [e.title for e in feed.entries if split_issue(sanitize_html(e.summary), title=e.title).structured]
        # the one 404 Media post that splits is "the Abstract", its weekly round-up of studies ("These are the studies this
        # week..."): three items, each titled by its citation rather than by the heading above it
        assert len([t for t in split if not re.match(r"^\d{4}\.\d{2}: ", t)]) <= 1, (name, split)


OWN = (Path(__file__).parent / "fixtures" / "wild_week_issue.html").read_text(encoding="utf-8")


def test_own_fixture_nested_tables_sponsor_read_more_footer_and_redirects() -> None:
    issue = split_issue(sanitize_html(OWN), title="Wild Week in AI #212")
    by_title = {i.title: i for i in issue.items}
    assert issue.structured
    assert list(by_title) == [
        "OpenAI releases a new reasoning model",
        "How attention sinks work",
        "karpathy/nanochat",
        "Efficient Neural Architecture Search via Parameter Sharing",
    ]
    news = by_title["OpenAI releases a new reasoning model"]
    assert news.heading == "News" and news.url == "https://openai.com/index/new-model"  # ?url= wrapper unwrapped
    assert news.blurb == "The model tops the math benchmarks and costs half as much."  # "Read more" is not blurb
    assert by_title["How attention sinks work"].url == "https://example.org/attention-sinks"  # base64 path (ConvertKit)
    assert by_title["karpathy/nanochat"].url == "https://github.com/karpathy/nanochat"  # base64 JSON (Substack)
    assert by_title["karpathy/nanochat"].heading == "Code"
    paper = by_title["Efficient Neural Architecture Search via Parameter Sharing"]
    assert paper.url == "https://u1.ct.sendgrid.net/ls/click?upn=opaque-token"  # opaque wrapper: kept as given
    assert paper.heading == "Papers"
    assert not any("GPU cloud" in i.title for i in issue.items)  # sponsor block
    assert not BOILER.search(" ".join(i.blurb for i in issue.items))


def _mailgun(url: str) -> str:
    payload = zlib.compress(f"category=post&l={url.replace(':', '%3A').replace('/', '%2F')}&r=x%40y".encode())
    return "https://email.mg2.substack.com/c/" + base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    ("wrapped", "real"),
    [
        ("https://click.example.com/redirect?url=https%3A%2F%2Fexample.org%2Fa%3Fb%3D1", "https://example.org/a?b=1"),
        ("https://substack.com/redirect/2/" + base64.urlsafe_b64encode(b'{"e":"https://ex.org/p"}').decode().rstrip("="), "https://ex.org/p"),
        ("https://click.convertkit-mail2.com/abc/def/" + base64.b64encode(b"https://ex.org/ck").decode(), "https://ex.org/ck"),
        (_mailgun("https://newsletter.ex.org/p/one"), "https://newsletter.ex.org/p/one"),
        ("https://u1.ct.sendgrid.net/ls/click?upn=opaque", "https://u1.ct.sendgrid.net/ls/click?upn=opaque"),  # opaque: kept
        ("https://substack.com/redirect/2/not-base64!!", "https://substack.com/redirect/2/not-base64!!"),  # malformed: kept
        ("https://example.org/search?url=https%3A%2F%2Fother.org", "https://example.org/search?url=https%3A%2F%2Fother.org"),  # not a tracker
    ],
)
def test_tracking_redirects_unwrapped_where_the_wrapper_carries_the_url(wrapped: str, real: str) -> None:
    assert unwrap_redirect(wrapped) == real


def test_real_mailgun_wrappers_of_a_substack_email_unwrap(corpora: Path) -> None:
    raw = (corpora / EMAILS / "substack-forwarded-newsletter.html").read_text(encoding="utf-8")
    wrapped = re.findall(r'href="(https://email\.mg2\.substack\.com/c/[^"]+)"', raw)
    assert wrapped
    unwrapped = [unwrap_redirect(u) for u in wrapped]
    assert sum(not u.startswith("https://email.mg2.substack.com") for u in unwrapped) >= len(wrapped) // 2
    assert "https://newsletter.slowchinese.net/p/companies-that-eat-people-217" in {u.split("?")[0] for u in unwrapped}


def test_no_structure_falls_back_to_one_clean_summary() -> None:
    issue = split_issue("<p>Welcome to the newsletter! Please subscribe.</p><p>This week I thought about tokenizers and why "
                        "they matter for multilingual models.</p><p>Unsubscribe | Manage your subscription</p>")  # fmt: skip
    assert not issue.structured and issue.items == []
    assert issue.summary == "This week I thought about tokenizers and why they matter for multilingual models."

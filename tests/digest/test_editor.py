"""The digest judges like an editor (issue 14): each failure as a user sees it in the digest's output."""

from __future__ import annotations

from datetime import timedelta

from feedhub.digest.api import make_digest
from feedhub.digest.build import build
from feedhub.digest.window import iso_week
from feedhub.fetch.ingest import store_feed
from feedhub.sources import ParsedFeed, parse
from feedhub.store.db import session_factory, transaction
from feedhub.store.models import Saved, Source
from tests.digest.digestutil import NOW, Store, at, entry

W07 = iso_week("2018-W07", "UTC")
W08 = iso_week("2018-W08", "UTC")


def digest(store: Store, window=W08, **kw):  # type: ignore[no-untyped-def]
    return make_digest(store.engine, window, fmt="json", **kw).model


def section(model, name: str) -> list:  # type: ignore[no-untyped-def, type-arg]
    return next(s for s in model["sections"] if s["id"] == name)["stories"]


def keys(model, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s["key"] for s in section(model, name)]


def share(n: int, url: str, text: str = "look at this", day: int = 20) -> object:
    return entry("", f"https://bsky.app/profile/p{n}/post/{n}", f'<p>{text} <a href="{url}">{url}</a></p>', when=at(day, 10 + n % 8),
                 guid=f"s{n}-{url}", authors=(f"Researcher {n} (@r{n}.bsky.social)",))  # fmt: skip


def test_ten_people_sharing_a_post_make_it_the_top_post_not_ten_thin_stories(store: Store) -> None:
    lst = store.source("My list", kind="bluesky", section="posts")
    blog = store.source("A blog")
    store.feed(blog, entry("Why attention sinks happen", "https://blog.example.org/sinks", "<p>A long look at attention sinks.</p>", when=at(19)))
    store.feed(lst, *[share(n, "https://blog.example.org/sinks/?utm_source=bsky") for n in range(10)])
    store.feed(lst, entry("", "https://bsky.app/profile/q/post/1", '<p>code! <a href="https://github.com/someone/tool">repo</a></p>', when=at(21),
                          guid="q", authors=("Q (@q.bsky.social)",)))  # fmt: skip
    with transaction(store.engine) as s:
        from feedhub.store.models import Repo

        s.query(Repo).filter(Repo.full_name == "someone/tool").update({"stars": 5})
    model = digest(store)
    posts = section(model, "posts")
    assert posts[0]["key"] == "url:https://blog.example.org/sinks" and posts[0]["title"] == "Why attention sinks happen"
    assert "shared by 10 people on your list" in posts[0]["why"]
    assert len(posts[0]["why_links"]) == 5 and posts[0]["why_links"][0]["url"].startswith("https://bsky.app/")
    assert not any(s["key"].startswith("url:https://bsky.app") for s in posts + model["also"])  # no "@someone: look at this"
    code = section(model, "code")[0]
    assert code["key"] == "github:someone/tool" and posts[0]["score"] > code["score"]


def test_the_same_person_twice_counts_once_and_sources_count_by_id(store: Store) -> None:
    lst = store.source("List", kind="bluesky", section="posts")
    store.feed(lst, share(1, "https://a.example.org/x", day=19), share(1, "https://a.example.org/x", "again", day=21))
    same = []
    with transaction(store.engine) as s:
        for i in range(3):
            src = Source(kind="rss", url=f"https://same{i}.example.org/feed", name="Same name", weight=1.0, enabled=True, error_count=0, options={})
            s.add(src)
            s.flush()
            same.append(src.id)
    for i, sid in enumerate(same):
        store.feed(sid, entry(f"Post {i} about B", f"https://b.example.org/{i}", '<p>Read <a href="https://b.example.org/y">this piece on B</a> please, it is a long and careful piece.</p>', when=at(20)))
    model = digest(store)
    by_key = {s["key"]: s for s in section(model, "posts") + model["also"]}
    a = {f["factor"]: f["points"] for f in by_key["url:https://a.example.org/x"]["explain"]}
    assert a["people"] == 1.0
    b = {f["factor"]: f["points"] for f in by_key["url:https://b.example.org/y"]["explain"]}
    assert b["people"] == 3.0  # three sources that share a name are three sources


def test_listings_are_candidates_people_are_votes(store: Store) -> None:
    cross = "1802.00001"
    discussed = "1802.00002"
    for pid, title in ((cross, "Cross-listed everywhere"), (discussed, "Discussed by newsletters")):
        store.paper(pid, title, published=at(19))
    for cat in ("cs.LG", "cs.AI", "cs.CL", "cs.CV", "stat.ML"):
        sid = store.source(f"arXiv {cat}", kind="arxiv", section="papers")
        store.feed(sid, entry(f"Paper (arXiv:{cross}v1 [{cat}])", f"https://arxiv.org/abs/{cross}", "Abstract.", when=at(19)),
                   entry("Discussed by newsletters", f"https://arxiv.org/abs/{discussed}", "Abstract.", when=at(19)))  # fmt: skip
    for n in range(3):
        sid = store.source(f"Letter {n}")
        store.feed(sid, entry(f"Issue {n}", f"https://letter{n}.example.org/{n}", f'<p>See <a href="https://arxiv.org/abs/{discussed}">this paper</a>. It is good.</p>', when=at(22)))
    model = digest(store)
    papers = section(model, "papers")
    assert [p["key"] for p in papers] == [f"arxiv:{discussed}"]  # the cross-listed one is not filler
    assert "1 paper(s) had evidence" in model["sections"][3]["note"]


def test_credit_comes_from_the_papers_own_repository_not_release_notes(store: Store) -> None:
    pid = "1802.03268"
    store.paper(pid, "ENAS", published=at(19), abstract="We release code at https://github.com/melodyguan/enas .")
    gh = store.source("transformers releases", kind="github", section="code")
    store.feed(store.source("Letter"), entry("Weekly", "https://letter.example.org/1", f'<p><a href="https://arxiv.org/abs/{pid}">ENAS</a> is out.</p>', when=at(20)))
    store.feed(gh, entry("v4.0: adds ENAS", "https://github.com/huggingface/transformers/releases/tag/v4.0",
                         f"<p>New model from arXiv:{pid}.</p>", when=at(21)))  # fmt: skip
    with transaction(store.engine) as s:  # the abstract's repo is linked when the paper's text is read
        from feedhub.papers.graph import link_paper_repos

        link_paper_repos(s, [(pid, "melodyguan/enas")], "in abstract")
    with transaction(store.engine) as s:
        from feedhub.store.models import Repo

        s.query(Repo).filter(Repo.full_name == "huggingface/transformers").update({"stars": 152000})
        s.query(Repo).filter(Repo.full_name == "melodyguan/enas").update({"stars": 1800})
    paper = next(s for s in section(digest(store), "papers") if s["key"] == f"arxiv:{pid}")
    assert [c["repo"] for c in paper["code"]] == ["melodyguan/enas"]
    assert "code 1.8k★" in paper["why"]


def test_a_saved_paper_is_never_scored_against_itself(store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys
    import types

    store.paper("1802.03268", "ENAS", published=at(19))
    store.feed(store.source("Letter"), entry("ENAS post", "https://arxiv.org/abs/1802.03268", "<p>Fast NAS.</p>", when=at(20)))
    with transaction(store.engine) as s:
        s.add(Saved(paper_id="1802.03268", tags=[]))
    fake = types.ModuleType("feedhub.search.recommend")
    fake.saved_similarity = lambda session, ids: {i: 1.0 for i in ids}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "feedhub.search.recommend", fake)
    story = section(digest(store), "papers")[0]
    assert "saved" not in {f["factor"] for f in story["explain"]} and "you saved it" in story["why"]


def test_a_story_featured_last_week_is_not_featured_again_without_new_mentions(store: Store) -> None:
    store.paper("1802.03268", "ENAS", published=at(12))
    store.repo("melodyguan/enas", 5000, paper="1802.03268")
    letter = store.source("Letter")
    store.feed(letter, entry("ENAS", "https://arxiv.org/abs/1802.03268", "<p>Fast NAS.</p>", when=at(14)))
    assert keys(digest(store, W07), "papers") == ["arxiv:1802.03268"]
    store.feed(store.source("Listing", kind="arxiv", section="papers"), entry("ENAS", "https://arxiv.org/abs/1802.03268v2", "v2", when=at(20)))
    again = digest(store)
    assert "arxiv:1802.03268" not in keys(again, "papers") + [s["key"] for s in again["also"]]
    store.feed(letter, entry("ENAS again", "https://letter.example.org/2", '<p><a href="https://arxiv.org/abs/1802.03268">ENAS</a> keeps coming up.</p>', when=at(21)))
    story = section(digest(store), "papers")[0]
    assert story["key"] == "arxiv:1802.03268" and "shown in 2018-W07" in story["why"]
    assert "code" not in {f["factor"] for f in story["explain"]}  # only this week's people count


def test_undated_backlog_of_a_new_feed_does_not_flood_the_week(store: Store) -> None:
    sid = store.source("New blog")
    with transaction(store.engine) as s:
        src = s.get(Source, sid)
        store_feed(s, src, ParsedFeed("b", None, [entry(f"Old post {i}", f"https://new.example.org/{i}", "<p>old</p>") for i in range(15)], "rss20"),
                   now=at(20))  # fmt: skip
        store_feed(s, src, ParsedFeed("b", None, [entry("Fresh post", "https://new.example.org/fresh", "<p>new</p>")], "rss20"), now=at(21))
    model = digest(store)
    shown = [s["title"] for s in section(model, "posts") + model["also"]]
    assert shown == ["Fresh post"]  # undated on the first fetch: backlog; undated later: new since then


def test_far_future_dates_are_not_this_weeks_news(store: Store) -> None:
    sid = store.source("Clock")
    with transaction(store.engine) as s:
        store_feed(s, s.get(Source, sid), ParsedFeed("c", None, [entry("Bogus", "https://c.example.org/1", "", when=at(20) + timedelta(days=4000))], "rss20"),
                   now=at(20))  # fmt: skip
    assert [s["title"] for s in section(digest(store), "posts")] == []


def test_a_far_future_date_places_the_item_in_its_own_week(store: Store) -> None:

    sid = store.source("Events")
    with transaction(store.engine) as s:
        store_feed(s, s.get(Source, sid), ParsedFeed("e", None, [entry("Workshop on optimizers", "https://e.example.org/ws", "<p>Talks.</p>",
                                                                       when=at(20) + timedelta(days=14))], "rss20"), now=at(20))  # fmt: skip
    assert [s["title"] for s in section(digest(store), "posts") + digest(store)["also"]] == []
    with session_factory(store.engine)() as s:
        later = build(s, iso_week("2018-W10", "UTC"))
    assert "Workshop on optimizers" in [st["title"] for sec in later["sections"] for st in sec["stories"]] + [st["title"] for st in later["also"]]


def test_a_week_without_evidence_shows_no_filler_and_says_why(store: Store) -> None:
    sid = store.source("arXiv cs.LG", kind="arxiv", section="papers")
    for i in range(6):
        store.paper(f"1802.0010{i}", f"Listed paper {i}", published=at(19))
        store.feed(sid, entry(f"Listed paper {i}", f"https://arxiv.org/abs/1802.0010{i}", "Abstract.", when=at(19, 1 + i)))
    model = digest(store)
    assert section(model, "papers") == [] and "6 listed paper(s)" in model["sections"][3]["note"]
    md = make_digest(store.engine, W08, fmt="md").text
    assert "No paper had evidence this week" in md and "score 0.0" not in md


def test_an_issue_style_newsletter_becomes_its_items(store: Store) -> None:
    from pathlib import Path

    html = (Path(__file__).parents[1] / "sources" / "fixtures" / "wild_week_issue.html").read_text(encoding="utf-8")
    store.paper("1802.03268", "Efficient Neural Architecture Search via Parameter Sharing", published=at(14))
    store.feed(store.source("Wild Week in AI"), entry("Wild Week in AI #212", "https://wildweek.example/issues/212", html, when=at(22)))
    model = digest(store)
    news = section(model, "news")
    assert [s["title"] for s in news] == ["OpenAI releases a new reasoning model"]
    assert news[0]["url"] == "https://openai.com/index/new-model"
    assert news[0]["summary"] == "The model tops the math benchmarks and costs half as much." and "in a newsletter" in news[0]["why"]
    assert [s["key"] for s in section(model, "code")] == ["github:karpathy/nanochat"]
    assert [s["title"] for s in section(model, "posts")] == ["How attention sinks work"]
    everything = " ".join(s["summary"] for sec in model["sections"] for s in sec["stories"])
    assert "Welcome to" not in everything and "subscribe" not in everything.lower()


def test_an_issue_without_structure_is_one_clean_story_and_explain_says_so(store: Store) -> None:
    body = ("<p>Welcome to the Weekly Thoughts newsletter! Please subscribe.</p>" + "<p>This week I thought about tokenizers at length, "
            "and why they matter for multilingual models and for cost.</p>" * 3 + "".join(f'<p>See <a href="https://t{i}.example.org/">t{i}</a>, a site.</p>' for i in range(2))
            + "<p>Unsubscribe | Manage your subscription</p>")  # fmt: skip
    store.feed(store.source("Weekly Thoughts"), entry("Weekly Thoughts #3", "https://thoughts.example.org/3", body * 2, when=at(22)))
    story = section(digest(store), "posts")[0]
    assert story["summary"].startswith("This week I thought about tokenizers") and "subscribe" not in story["summary"].lower()
    assert any(f["factor"] == "note" and "without item structure" in f["detail"] for f in story["explain"])


LISTING = """<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
<title>cs.LG updates on arXiv.org</title><link>http://mirror.example.org/rss/cs.LG</link><description>mirror</description>
<item><title>A Paper</title><link>https://arxiv.org/abs/1802.05555</link>
<description>arXiv:1802.05555v1 Announce Type: new
Abstract: We show a thing. It works well.</description><guid isPermaLink="false">oai:arXiv.org:1802.05555v1</guid>
<category>cs.LG</category><pubDate>Tue, 20 Feb 2018 00:00:00 -0500</pubDate><arxiv:announce_type>new</arxiv:announce_type>
<dc:creator>A. Author, B. Author</dc:creator></item></channel></rss>"""


def test_an_arxiv_listing_from_a_mirror_is_recognized_by_content(store: Store) -> None:
    feed = parse("rss", LISTING.encode())
    assert feed.entries[0].extra["arxiv_id"] == "1802.05555" and "Announce Type" not in feed.entries[0].summary
    sid = store.source("Mirror of cs.LG")  # kind rss, served from a mirror
    with transaction(store.engine) as s:
        store_feed(s, s.get(Source, sid), feed, now=NOW)
    store.feed(store.source("Letter"), entry("Read this", "https://arxiv.org/abs/1802.05555", "", when=at(22)))
    with session_factory(store.engine)() as s:
        model = build(s, W08)
    paper = section(model, "papers")[0]
    assert paper["summary"] == "We show a thing. It works well." and "Announce Type" not in paper["summary"]


def test_why_line_in_markdown_and_html_with_mentions_linked(store: Store) -> None:
    lst = store.source("List", kind="bluesky", section="posts")
    store.feed(lst, *[share(n, "https://blog.example.org/p") for n in range(3)])
    md = make_digest(store.engine, W08, fmt="md").text
    assert "*why:* shared by 3 people on your list — [Researcher" in md and "](https://bsky.app/profile/p0/post/0)" in md
    page = make_digest(store.engine, W08, fmt="html").text
    assert '<p class="why">why: shared by 3 people on your list — <a href="https://bsky.app/profile/p' in page

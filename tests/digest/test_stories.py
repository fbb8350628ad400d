"""Clustering, sections and scores, on small stores filled through the real ingest path."""

from __future__ import annotations

import pytest

from feedhub.digest.build import build
from feedhub.digest.sections import assign
from feedhub.digest.stories import collect, github_repo
from feedhub.digest.window import iso_week
from feedhub.store.db import session_factory, transaction
from feedhub.store.models import Saved
from tests.digest.digestutil import Store, at, entry

W08 = iso_week("2018-W08", "UTC")


def stories(store: Store) -> dict:  # type: ignore[type-arg]
    with session_factory(store.engine)() as s:
        found = collect(s, W08)
    for st in found:
        assign(st)
    return {st.key: st for st in found}


def digest(store: Store, **kw) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with session_factory(store.engine)() as s:
        return build(s, W08, **kw)


def all_stories(model: dict) -> list[dict]:  # type: ignore[type-arg]
    return [x for sec in model["sections"] for x in sec["stories"]] + model["also"]


def test_one_paper_from_five_entries_is_one_story_with_five_mentions(store: Store) -> None:
    listing = store.source("arXiv listing", section="papers", kind="arxiv")
    letter = store.source("Newsletter")
    social = store.source("Researchers", section="posts", kind="jsonfeed")
    store.paper("1802.03268", "Efficient Neural Architecture Search via Parameter Sharing", authors=("Hieu Pham", "Melody Y. Guan", "Barret Zoph", "Quoc V. Le"), published=at(12))
    store.feed(listing, entry("Efficient Neural Architecture Search via Parameter Sharing. (arXiv:1802.03268v2 [cs.LG])", "http://arxiv.org/abs/1802.03268v2", "Abstract.", when=at(19)))
    store.feed(letter, entry("ENAS", "https://arxiv.org/pdf/1802.03268v1.pdf?utm_source=x", "<p>Fast NAS.</p>", when=at(25), tags=("Papers",)))
    store.feed(social,
               entry("", "https://bsky.app/p/1", "ENAS is neat https://arxiv.org/abs/1802.03268", when=at(20), guid="1"),
               entry("", "https://bsky.app/p/2", "arXiv:1802.03268 again", when=at(21), guid="2"),
               entry("", "https://bsky.app/p/3", "Read www.arxiv.org/abs/1802.03268v3 now", when=at(22), guid="3"))  # fmt: skip
    found = stories(store)
    assert list(found) == ["arxiv:1802.03268"]
    story = found["arxiv:1802.03268"]
    assert len(story.members) == 5 and story.section == "papers"
    model = digest(store)
    (paper,) = model["sections"][3]["stories"]
    assert paper["title"] == "Efficient Neural Architecture Search via Parameter Sharing"
    assert paper["mentions"] == 5
    assert paper["sources"] == ["arXiv listing", "Newsletter", "Researchers"]
    assert paper["paper"]["authors"] == ["Hieu Pham", "Melody Y. Guan", "Barret Zoph"] and paper["paper"]["et_al"]
    assert paper["summary"] == "Fast NAS."  # the newsletter's line, not the listing's abstract


@pytest.mark.parametrize(
    "links",
    [
        ["https://www.example.org/post/", "http://example.org/post#comments", "https://example.org/post?utm_source=rss&fbclid=1"],
        ["https://github.com/Owner/Repo", "https://github.com/owner/repo/releases/tag/v1.0", "https://www.github.com/owner/repo.git"],
    ],
)
def test_the_same_page_from_three_sources_is_one_story(store: Store, links: list[str]) -> None:
    for i, link in enumerate(links):
        store.feed(store.source(f"Blog {i}"), entry(f"Title {i}", link, when=at(20 + i)))
    found = stories(store)
    assert len(found) == 1
    (story,) = found.values()
    assert len(story.members) == 3 and len(story.source_weights()) == 3


def test_a_titled_post_about_a_paper_is_its_own_story_and_a_mention(store: Store) -> None:
    blog = store.source("Lab blog", section="posts")
    store.paper("1802.05365", "Deep contextualized word representations", published=at(15))
    store.feed(blog, entry("Notes on ELMo", "https://lab.example.org/elmo", "See arXiv:1802.05365", when=at(21)))
    found = stories(store)
    assert set(found) == {"url:https://lab.example.org/elmo", "arxiv:1802.05365"}
    assert found["arxiv:1802.05365"].mentions and not found["arxiv:1802.05365"].members
    assert found["url:https://lab.example.org/elmo"].related == ["1802.05365"]
    assert found["url:https://lab.example.org/elmo"].section == "posts"


def test_old_papers_mentioned_this_week_are_not_this_weeks_papers(store: Store) -> None:
    store.paper("1412.6980", "Adam: A Method for Stochastic Optimization", published=at(22, month=12).replace(year=2014))
    store.feed(store.source("Blog"), entry("Reproducing Adam", "https://b.example.org/adam", "arXiv:1412.6980", when=at(20)))
    store.repro("1412.6980", "adam", verdict="reproduced")
    model = digest(store)
    keys = [s["key"] for s in all_stories(model)]
    assert keys == ["url:https://b.example.org/adam"]
    (post,) = all_stories(model)
    assert post["related"][0]["title"].startswith("Adam")
    assert post["repro"] == [{"name": "adam", "command": "feedhub repro run adam", "verdict": "reproduced"}]


def test_papers_published_in_the_window_are_candidates(store: Store) -> None:
    store.paper("1802.09999", "A paper nobody mentioned", published=at(21))
    store.paper("1802.00001", "Last week's paper", published=at(12))
    assert set(stories(store)) == {"arxiv:1802.09999"}


@pytest.mark.parametrize(
    ("source_section", "tags", "link", "kind", "expected"),
    [
        ("code", ("News",), "https://arxiv.org/abs/1802.00002", "rss", "code"),  # the source's declared section wins
        (None, ("News",), "https://arxiv.org/abs/1802.00002", "rss", "news"),  # then the item's category
        (None, ("Code, Projects & Data",), "https://x.example.org", "rss", "code"),
        (None, (), "https://arxiv.org/abs/1802.00002", "rss", "papers"),  # then what it links
        (None, (), "https://github.com/a/b", "rss", "code"),
        (None, ("Deep learning tutorial",), "https://x.example.org", "rss", "posts"),  # then tag rules
        (None, ("new release",), "https://x.example.org", "rss", "code"),
        (None, (), "https://x.example.org", "github", "code"),  # then the source's kind
        (None, (), "https://x.example.org", "rss", "posts"),
    ],
)
def test_sections(store: Store, source_section, tags, link, kind, expected) -> None:  # type: ignore[no-untyped-def]
    store.feed(store.source("S", section=source_section, kind=kind), entry("A story", link, when=at(20), tags=tags))
    (story,) = [s for s in stories(store).values() if s.members]
    assert story.section == expected


def test_section_votes_tie_goes_to_the_editors_category(store: Store) -> None:
    store.feed(store.source("Listing", section="papers", kind="arxiv"), entry("Report", "https://arxiv.org/abs/1802.07228", when=at(20)))
    store.feed(store.source("Newsletter"), entry("Report", "https://arxiv.org/abs/1802.07228", when=at(25), tags=("News",)))
    assert stories(store)["arxiv:1802.07228"].section == "news"


def test_user_set_section_and_weight_change_the_digest(store: Store) -> None:
    a = store.source("A")
    b = store.source("B")
    store.feed(a, entry("From A", "https://a.example.org/1", when=at(20)))
    store.feed(b, entry("From B", "https://b.example.org/1", when=at(20)))
    titles = [s["title"] for s in digest(store)["sections"][1]["stories"]]
    assert titles == ["From A", "From B"]  # equal scores: the key decides, stably
    from feedhub.store.models import Source

    with transaction(store.engine) as s:
        s.get(Source, b).weight = 3.0
        s.get(Source, a).section = "news"
    model = digest(store)
    assert [x["title"] for x in model["sections"][0]["stories"]] == ["From A"]
    (top,) = model["sections"][1]["stories"]
    assert top["title"] == "From B" and top["score"] > 3.0


def test_score_factors(store: Store) -> None:
    listing = store.source("Listing", section="papers", kind="arxiv")
    store.paper("1802.03268", "ENAS", published=at(19))
    store.paper("1802.04697", "MCTSnets", published=at(19))
    store.repo("carpedm20/ENAS-pytorch", 2500, paper="1802.03268")
    store.repro("1802.04697", "mcts")
    store.feed(listing,
               entry("ENAS", "https://arxiv.org/abs/1802.03268", when=at(19, 0)),
               entry("MCTSnets", "https://arxiv.org/abs/1802.04697", when=at(22, 12)))  # fmt: skip
    model = digest(store, per_section=4)
    by_key = {s["key"]: s for s in all_stories(model)}
    enas = {f["factor"]: f["points"] for f in by_key["arxiv:1802.03268"]["explain"]}
    mcts = {f["factor"]: f["points"] for f in by_key["arxiv:1802.04697"]["explain"]}
    # a listing makes a paper a candidate, never a vote: no "people" points for being listed
    assert "people" not in enas and "people" not in mcts and "sources" not in enas
    assert enas["code"] == pytest.approx(0.5 + 0.2 * 3.398, abs=1e-3)  # log10(2501)
    assert enas["recency"] == 0.0 and mcts["recency"] == pytest.approx(0.05)  # a tie-breaker, at most 0.1
    assert mcts["reproduction"] == 0.75 and "reproduction" not in enas
    assert by_key["arxiv:1802.03268"]["code"] == [{"repo": "carpedm20/enas-pytorch", "url": "https://github.com/carpedm20/enas-pytorch", "stars": 2500}]
    assert by_key["arxiv:1802.03268"]["score"] == pytest.approx(sum(enas.values()))


def test_saved_similarity_is_used_when_saving_exists(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.paper("1802.03268", "ENAS", published=at(19))
    store.paper("1802.04697", "MCTSnets", published=at(19))
    store.paper("1705.00001", "Saved one", published=at(1, month=5).replace(year=2017))
    with transaction(store.engine) as s:
        s.add(Saved(paper_id="1705.00001", tags=[]))
    calls = []

    def signal(session, member, subjects, **kw):  # type: ignore[no-untyped-def]
        from feedhub.search.interests import Interest

        calls.append(sorted(s.paper_id for s in subjects if s.paper_id))
        return {s.key: Interest(score=0.5 if s.paper_id == "1802.04697" else 0.0) for s in subjects}

    from feedhub.search import interests

    monkeypatch.setattr(interests, "signal", signal)
    model = digest(store)
    papers = model["sections"][3]["stories"]
    # ENAS has no evidence (nobody mentioned it, no code, not like the saved paper): it is not filler
    assert [p["key"] for p in papers] == ["arxiv:1802.04697"]
    assert {f["factor"]: f["points"] for f in papers[0]["explain"]}["saved"] == 1.0
    assert "like papers you saved" in papers[0]["why"]
    assert "1 paper(s) had evidence" in model["sections"][3]["note"]
    assert calls == [["1802.03268", "1802.04697"]]


def test_top_n_per_section_then_also_this_week(store: Store) -> None:
    src = store.source("Blog", section="posts")
    store.feed(src, *[entry(f"Post {i}", f"https://blog.example.org/{i}", when=at(19, i)) for i in range(12)])
    model = digest(store, per_section=3)
    assert [s["title"] for s in model["sections"][1]["stories"]] == ["Post 11", "Post 10", "Post 9"]  # latest first on a tie
    assert [s["title"] for s in model["also"]] == [f"Post {i}" for i in range(8, 2, -1)]  # 2 x per-section
    assert model["total_stories"] == 12


def test_a_story_without_title_or_link_renders_sensibly(store: Store) -> None:
    src = store.source("Notes")
    store.feed(src, entry("", None, "", when=at(20), guid="x"), entry("", None, "<p>Only a body here.</p>", when=at(21), guid="y"))
    titles = sorted(s["title"] for s in all_stories(digest(store)))
    assert titles == ["Only a body here.", "Untitled"]


def test_github_repo_names() -> None:
    assert github_repo("https://github.com/Owner/Name/tree/master/x") == "owner/name"
    assert github_repo("https://github.com/orgs/foo") is None
    assert github_repo("https://github.com/foo") is None
    assert github_repo("https://gitlab.com/a/b") is None


def test_a_canonical_arxiv_abs_url_is_keyed_as_canonical_url_keys_it() -> None:
    """url_key skips canonical_url for ``https://arxiv.org/abs/NNNN.NNNNN`` (entries store that form): it
    must give what canonical_url would, for every YYMM and both number lengths, valid or not."""
    from feedhub.digest.stories import _url_key
    from feedhub.links.urls import canonical_url

    for yymm in range(10000):
        for number in ("0001", "12345"):
            url = f"https://arxiv.org/abs/{yymm:04d}.{number}"
            canon = canonical_url(url)
            assert canon is not None and canon.startswith("https://arxiv.org/abs/")
            assert _url_key(url) == ("paper", "arxiv:" + canon.removeprefix("https://arxiv.org/abs/")), url
    assert _url_key("https://arxiv.org/abs/1802.03268v2") == ("paper", "arxiv:1802.03268")  # not canonical: parsed


def test_voters_follow_items_added_after_they_were_counted() -> None:
    from feedhub.digest.stories import Item, Story

    def item(n: int, who: str) -> Item:
        return Item(id=n, source_id=1, source_name="List", source_kind="bluesky", source_section=None, weight=1.0, title="",
                    link=None, canonical=None, summary="", tags=[], published_at=at(20), authors=[who], role="share")  # fmt: skip

    story = Story(key="url:https://a.example.org/x", kind="url", mentions=[item(1, "A (@a)")])
    assert list(story.voters()) == ["person:a"]
    story.mentions.append(item(2, "B (@b)"))
    story.members.append(item(3, "A (@a)"))
    assert list(story.voters()) == ["person:a", "person:b"]

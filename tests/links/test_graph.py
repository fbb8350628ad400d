"""The paper <-> entry <-> repo graph on a real SQLite file: provenance, replacements, the implied-link rule."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from feedhub.fetch.ingest import store_feed
from feedhub.papers.graph import link_repo_text
from feedhub.sources import ParsedEntry, ParsedFeed
from feedhub.store.db import transaction
from feedhub.store.models import Entry, EntryRepo, Paper, PaperEntry, PaperRepo, Repo, Source

T1 = datetime(2018, 2, 19, 5, tzinfo=timezone.utc)
T2 = datetime(2018, 2, 20, 5, tzinfo=timezone.utc)


def listing_entry(arxiv_id: str, v: int, type_: str, title: str, abstract: str, when: datetime) -> ParsedEntry:
    return ParsedEntry(
        guid=f"oai:arXiv.org:{arxiv_id}v{v}", link=f"https://arxiv.org/abs/{arxiv_id}", title=title, summary=abstract,
        authors=["Hieu Pham", "Melody Y. Guan"], tags=["cs.LG", "stat.ML"], published=when, title_is_html=False,
        extra={"arxiv_id": arxiv_id, "version": v, "announce_type": type_, "is_update": type_.startswith("replace"),
               "abstract": abstract, "categories": ["cs.LG", "stat.ML"], "doi": None, "journal_ref": None,
               "license": "http://creativecommons.org/licenses/by/4.0/", "listing": True},
    )


def item(title: str, summary: str, link: str | None = None, guid: str | None = None) -> ParsedEntry:
    return ParsedEntry(guid=guid or title, link=link, title=title, summary=summary, published=T2)


def add_source(engine, kind: str, url: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        src = Source(kind=kind, url=url, name=url, options={}, enabled=True, weight=1.0, error_count=0)
        s.add(src)
        s.flush()
        return src.id


def store(engine, source_id: int, *entries: ParsedEntry) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        store_feed(s, s.get(Source, source_id), ParsedFeed(title="t", link=None, entries=list(entries), format="rss20"))


def paper_repos(engine) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        q = select(PaperRepo.paper_id, Repo.full_name, PaperRepo.provenance).join(Repo, Repo.id == PaperRepo.repo_id)
        return {tuple(r) for r in s.execute(q)}


def test_listing_fills_the_paper_and_a_replacement_updates_it(engine) -> None:  # type: ignore[no-untyped-def]
    arxiv = add_source(engine, "arxiv", "https://rss.arxiv.org/rss/cs.LG")
    store(engine, arxiv, listing_entry("1802.03268", 1, "new", "ENAS", "First abstract.", T1))
    store(engine, arxiv, listing_entry("1802.03268", 2, "replace", "ENAS (revised)", "Second abstract.", T2))
    # An older version seen late (another listing) must not overwrite the newer one.
    store(engine, arxiv, listing_entry("1802.03268", 1, "cross", "ENAS", "First abstract.", T1).__class__(
        **{**listing_entry("1802.03268", 1, "cross", "ENAS", "First abstract.", T1).__dict__, "guid": "other-guid"}))
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Paper)) == 1
        p = s.get(Paper, "1802.03268")
        assert (p.version, p.title, p.abstract) == (2, "ENAS (revised)", "Second abstract.")
        assert p.published_at == T1 and p.updated_at == T2  # the first announcement dates v1
        assert p.authors == ["Hieu Pham", "Melody Y. Guan"] and p.primary_category == "cs.LG"
        assert p.license == "http://creativecommons.org/licenses/by/4.0/" and p.enriched_at is not None
        kinds = sorted((e.extra["announce_type"], e.extra["is_update"]) for e in s.scalars(select(Entry)))
        assert kinds == [("cross", False), ("new", False), ("replace", True)]
        provenances = set(s.scalars(select(PaperEntry.provenance)))
        assert provenances == {"in listing"}


def test_mentions_create_stubs_without_overwriting_a_listed_paper(engine) -> None:  # type: ignore[no-untyped-def]
    arxiv = add_source(engine, "arxiv", "https://rss.arxiv.org/rss/cs.LG")
    news = add_source(engine, "rss", "https://news.example/feed")
    store(engine, arxiv, listing_entry("1802.03268", 1, "new", "ENAS", "Abstract.", T1))
    store(
        engine, news,
        item("ENAS is out", '<a href="https://arxiv.org/abs/1802.03268v1">paper</a>'),
        item("Adam, again", "Kingma and Ba (arXiv:1412.6980) is still the default."),
        item("Changelog", "version 1802.05365: bug fixes"),
    )
    with transaction(engine) as s:
        assert s.get(Paper, "1802.03268").title == "ENAS"
        stub = s.get(Paper, "1412.6980")
        assert stub is not None and stub.title == "" and stub.enriched_at is None
        assert s.get(Paper, "1802.05365") is None  # a version number, not a paper
        rows = {tuple(r) for r in s.execute(select(PaperEntry.paper_id, PaperEntry.provenance))}
        assert rows == {("1802.03268", "in listing"), ("1802.03268", "mentioned in entry"), ("1412.6980", "mentioned in entry")}


def test_implied_paper_repo_rule(engine) -> None:  # type: ignore[no-untyped-def]
    news = add_source(engine, "rss", "https://news.example/feed")
    store(
        engine, news,
        # one paper, one repo: the entry is about that paper and its code
        item("ENAS code", "Paper: arXiv:1802.03268, code: https://github.com/carpedm20/ENAS-pytorch/tree/master"),
        # two papers and one repo: nothing implied
        item("Reading list", "arXiv:1412.6980 and arXiv:1502.03167; slides at https://github.com/someone/slides"),
        # one paper, two repos: nothing implied
        item("Two ports", "arXiv:1706.03762 https://github.com/a/tf-port https://github.com/b/pt-port"),
    )
    assert paper_repos(engine) == {("1802.03268", "carpedm20/enas-pytorch", "mentioned in entry")}
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(EntryRepo)) == 4
        assert s.get(Paper, "1502.03167") is not None


def test_entry_about_a_repository_links_its_one_paper(engine) -> None:  # type: ignore[no-untyped-def]
    gh = add_source(engine, "github", "https://github.com/uber/horovod/releases.atom")
    store(engine, gh, item("v0.11.3", "Implements arXiv:1802.05799. Thanks to https://github.com/other/lib",
                           link="https://github.com/uber/horovod/releases/tag/v0.11.3"))
    # Linked, but as release notes (issue 14): a release that names a paper is not evidence that the repo is
    # the paper's code, so it gives no stars or code credit until a README, the abstract or the user says so.
    assert ("1802.05799", "uber/horovod", "in release notes") in paper_repos(engine)
    assert not {r for r in paper_repos(engine) if r[1] == "other/lib"}


def test_listing_abstract_links_code_in_abstract(engine) -> None:  # type: ignore[no-untyped-def]
    arxiv = add_source(engine, "arxiv", "https://rss.arxiv.org/rss/cs.LG")
    store(engine, arxiv, listing_entry("1802.05365", 1, "new", "ELMo", "Code at https://github.com/allenai/bilm-tf.", T1))
    assert paper_repos(engine) == {("1802.05365", "allenai/bilm-tf", "in abstract")}


def test_readme_hook(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        assert link_repo_text(s, "https://github.com/carpedm20/ENAS-pytorch", "# ENAS\n[arXiv](https://arxiv.org/abs/1802.03268)") == ["1802.03268"]
        long_readme = "# Awesome\nBased on arXiv:1706.03762.\n" + "x" * 2000 + " arXiv:1412.6980 arXiv:1502.03167"
        assert link_repo_text(s, "someone/awesome", long_readme) == ["1706.03762"]
        assert link_repo_text(s, "https://github.com/topics/x", "arXiv:1706.03762") == []
    got = paper_repos(engine)
    assert ("1802.03268", "carpedm20/enas-pytorch", "in README") in got and len(got) == 2


def test_sample_week_listing_and_newsletter(engine) -> None:  # type: ignore[no-untyped-def]
    from feedhub.fetch.ingest import ingest_bytes
    from feedhub.ops.sample import SAMPLE_DIR

    arxiv = add_source(engine, "arxiv", (SAMPLE_DIR / "arxiv-cs.LG.xml").as_uri())
    with transaction(engine) as s:
        ingest_bytes(s, s.get(Source, arxiv), (SAMPLE_DIR / "arxiv-cs.LG.xml").read_bytes())
    with transaction(engine) as s:
        listed = s.scalar(select(func.count()).select_from(PaperEntry).where(PaperEntry.provenance == "in listing"))
        assert listed == s.scalar(select(func.count()).select_from(Entry)) > 5
        assert s.scalar(select(func.count()).select_from(Paper).where(Paper.title == "")) == 0

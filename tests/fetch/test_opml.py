"""OPML from Feedly, Miniflux and newsboat in and out: folders kept, duplicates reported, bad files one line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedhub.errors import FeedhubError
from feedhub.store.db import session_factory
from feedhub.store.models import Source
from feedhub.subscriptions.opml import export_opml, import_opml, parse_opml

FEEDLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Jane subscriptions in feedly Cloud</title></head>
  <body>
    <outline text="Machine Learning" title="Machine Learning">
      <outline type="rss" text="BAIR" title="BAIR Blog" xmlUrl="https://bair.berkeley.edu/blog/feed.xml" htmlUrl="https://bair.berkeley.edu/blog/"/>
      <outline text="arXiv" title="arXiv">
        <outline type="rss" text="cs.LG" title="arXiv cs.LG" xmlUrl="https://rss.arxiv.org/rss/cs.LG" htmlUrl="https://arxiv.org/"/>
      </outline>
    </outline>
    <outline text="Blogs" title="Blogs">
      <outline type="rss" text="Karpathy" title="Andrej Karpathy" xmlUrl="https://karpathy.github.io/feed.xml"/>
      <outline type="rss" text="BAIR (again)" title="BAIR (again)" xmlUrl="https://bair.berkeley.edu/blog/feed.xml"/>
      <outline type="rss" text="Broken" title="Broken" xmlUrl="javascript:alert(1)"/>
    </outline>
  </body>
</opml>"""

MINIFLUX = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head><title>Miniflux</title><dateCreated>Mon, 19 Feb 2018 10:00:00 UTC</dateCreated></head>
    <body>
        <outline text="News">
            <outline title="Import AI" text="Import AI" xmlUrl="https://importai.substack.com/feed" htmlUrl="https://importai.substack.com"></outline>
        </outline>
        <outline text="All">
            <outline title="Distill" text="Distill" xmlUrl="https://distill.pub/rss.xml" htmlUrl="https://distill.pub"></outline>
        </outline>
    </body>
</opml>"""

NEWSBOAT = b"""<?xml version="1.0"?>
<opml version="1.0">
  <head><title>newsboat - Exported Feeds</title></head>
  <body>
    <outline type="rss" xmlUrl="https://distill.pub/rss.xml" htmlUrl="https://distill.pub" title="Distill"/>
    <outline type="rss" xmlUrl="https://lilianweng.github.io/index.xml" htmlUrl="" title="Lil&apos;Log"/>
  </body>
</opml>"""


def _sources(engine) -> list[tuple[str, str, str, str | None, str | None]]:
    with session_factory(engine)() as session:
        return sorted((s.url, s.name, s.kind, s.section, (s.options or {}).get("folder")) for s in session.scalars(select(Source)))


def _import(engine, data: bytes):  # type: ignore[no-untyped-def]
    with session_factory(engine)() as session, session.begin():
        return import_opml(session, data, "test.opml")


def test_feedly_folders_sections_duplicates_and_invalid(engine) -> None:
    report = _import(engine, FEEDLY)
    assert [name for _, name, _ in report.added] == ["BAIR Blog", "arXiv cs.LG", "Andrej Karpathy"]
    assert report.duplicates == [("https://bair.berkeley.edu/blog/feed.xml", "listed twice in the file")]
    assert [item for item, _ in report.invalid] == ["Broken"]
    by_url = {u: (sec, folder) for u, _, _, sec, folder in _sources(engine)}
    assert by_url["https://rss.arxiv.org/rss/cs.LG"] == ("papers", "Machine Learning/arXiv")
    assert by_url["https://karpathy.github.io/feed.xml"] == ("posts", "Blogs")
    assert by_url["https://bair.berkeley.edu/blog/feed.xml"] == (None, "Machine Learning")
    again = _import(engine, FEEDLY)
    assert again.added == [] and all("already subscribed" in why or "twice" in why for _, why in again.duplicates)
    assert len(again.duplicates) == 4


def test_miniflux_and_newsboat_overlap_is_reported_not_added_twice(engine) -> None:
    assert len(_import(engine, MINIFLUX).added) == 2
    report = _import(engine, NEWSBOAT)
    assert [u for _, _, u in report.added] == ["https://lilianweng.github.io/index.xml"]
    assert report.duplicates == [("https://distill.pub/rss.xml", "already subscribed as source 2")]
    assert ("https://importai.substack.com/feed", "Import AI", "rss", "news", "News") in _sources(engine)


@pytest.mark.parametrize("data", [FEEDLY, MINIFLUX, NEWSBOAT])
def test_export_then_import_round_trips(engine, tmp_path, data) -> None:
    from feedhub.store import open_store

    _import(engine, data)
    with session_factory(engine)() as session:
        exported = export_opml(session)
    assert exported.startswith(b"<?xml") and b"<opml" in exported
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        _import(other, exported)
        assert _sources(other) == _sources(engine)
    finally:
        other.dispose()


def test_export_keeps_kind_and_section_for_feedhub(engine) -> None:
    from feedhub.subscriptions.manage import SourceSpec, add_source

    with session_factory(engine)() as session, session.begin():
        add_source(session, SourceSpec(kind="github", url="https://github.com/pytorch/pytorch/releases.atom", name="PyTorch", section="code"))
    with session_factory(engine)() as session:
        feeds = parse_opml(export_opml(session))
    assert [(f.kind, f.section, f.folder) for f in feeds] == [("github", None, ["code"])]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "not readable OPML"),
        (b"this is not xml", "not readable OPML"),
        (b"<opml><head/><body><outline", "not readable OPML"),
        (b"<rss version='2.0'><channel/></rss>", "not OPML"),
        (b"<opml version='2.0'><head/></opml>", "without a <body>"),
        (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><opml><body/></opml>', "entities"),
    ],
)
def test_unreadable_opml_is_one_line(data, needle) -> None:
    with pytest.raises(FeedhubError, match=needle) as info:
        parse_opml(data, "test.opml")
    assert "\n" not in str(info.value)

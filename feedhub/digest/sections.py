"""Which section a story goes in.

Each entry of a story gets a section, first rule that applies:
0. a podcast episode (an audio enclosure; the feed parser tags it "podcast") from a news source -> posts;
1. its source's declared section (``Source.section``, set with ``feedhub source set ID --section S``);
2. a category on the entry that names a section (a newsletter's ``<category>News</category>``: the editor's
   own choice for that item, so it is a declaration too);
3. what it links: an arXiv paper -> papers, a GitHub repository -> code;
4. simple rules on its tags ("tutorial" -> posts, "release" -> code, ...);
5. its source's kind (arxiv -> papers, github -> code), else posts.
Each distinct source then votes for its entries' section with its weight; a newsletter item that points at
the story votes too, for the section its heading names (the editor's filing). Shares do not vote: what
they link decides. A tie goes to a section an item's category declared, then to what the story is (a
paper -> papers, a repository -> code), then to the section order. A story with no entries of its own
and no heading votes is what it links: a paper, code, or a post.
"""

from __future__ import annotations

import re

from feedhub.digest.i18n import SECTION_ORDER
from feedhub.digest.stories import Item, Story, github_repo

_EXACT = {
    "news": "news", "뉴스": "news", "announcements": "news",
    "posts": "posts", "post": "posts", "articles": "posts", "tutorials": "posts", "blog": "posts",
    "posts, articles & tutorials": "posts", "posts, articles and tutorials": "posts", "글·아티클·튜토리얼": "posts",
    "code": "code", "projects": "code", "data": "code", "datasets": "code", "code, projects & data": "code",
    "code, projects and data": "code", "코드·프로젝트·데이터": "code",
    "papers": "papers", "paper": "papers", "research": "papers", "research papers": "papers",
    "highlighted research papers": "papers", "주목할 논문": "papers", "논문": "papers",
}  # fmt: skip
_FUZZY = (
    (re.compile(r"tutorial|article|blog|essay|explainer|how[- ]to|opinion", re.I), "posts"),
    (re.compile(r"release|library|framework|dataset|open[- ]source|toolkit|benchmark|github", re.I), "code"),
    (re.compile(r"paper|preprint|arxiv|research", re.I), "papers"),
    (re.compile(r"news|announce|launch|industry|policy|funding", re.I), "news"),
)
_KIND_DEFAULT = {"arxiv": "papers", "github": "code"}


def _normal(tag: str) -> str:
    return " ".join(tag.strip().lower().split())


def item_section(item: Item) -> tuple[str, str]:
    """(section, why) for one entry."""
    if item.source_section == "news" and any(_normal(t) == "podcast" for t in item.tags):
        return "posts", "podcast"  # a newsletter's podcast episode (tagged by the feed parser) is not news
    if item.source_section in SECTION_ORDER:
        return item.source_section, "source"
    for tag in item.tags:
        found = _EXACT.get(_normal(tag))
        if found:
            return found, "category"
    canon = item.canonical or ""
    if canon.startswith("https://arxiv.org/abs/"):
        return "papers", "link"
    if github_repo(canon):
        return "code", "link"
    for tag in item.tags:
        for pattern, section in _FUZZY:
            if pattern.search(tag):
                return section, "tag"
    if item.source_kind in _KIND_DEFAULT:
        return _KIND_DEFAULT[item.source_kind], "kind"
    return "posts", "default"


def _hint(item: Item) -> str | None:
    """The section a newsletter item's heading names, if any."""
    if not item.heading:
        return None
    found = _EXACT.get(_normal(item.heading))
    if found:
        return found
    for pattern, section in _FUZZY:
        if pattern.search(item.heading):
            return section
    return None


def assign(story: Story) -> None:
    """Set ``story.section`` and ``story.section_reason``."""
    story_kind = {"paper": "papers", "repo": "code"}.get(story.kind)
    if not story.members and not story.mentions:  # most of a week's papers: nobody pointed at them
        story.section, story.section_reason = (story_kind, story.kind) if story_kind else ("posts", "default")
        return
    votes: dict[str, float] = {}
    declared_by_category: set[str] = set()
    reasons: dict[str, str] = {}
    counted: set[tuple[int, str]] = set()
    for item in sorted(story.members, key=lambda i: (i.id, i.sub)):
        if item.role == "share" and story.kind != "entry":
            continue  # a share's section is what it links
        section, why = item_section(item)
        if why == "category":
            declared_by_category.add(section)
        reasons.setdefault(section, why)
        if (item.source_id, section) in counted:
            continue  # one vote per source and section
        counted.add((item.source_id, section))
        votes[section] = votes.get(section, 0.0) + max(item.weight, 0.0)
    for item in sorted(story.mentions, key=lambda i: (i.id, i.sub)):
        if item.role != "item":
            continue
        section = _hint(item)
        if section is None or (item.source_id, section) in counted:
            continue
        counted.add((item.source_id, section))
        declared_by_category.add(section)
        reasons.setdefault(section, "heading")
        votes[section] = votes.get(section, 0.0) + max(item.weight, 0.0)
    if not votes:
        story.section, story.section_reason = (story_kind, story.kind) if story_kind else ("posts", "default")
        return

    def rank(section: str) -> tuple[float, int, int, int]:
        return (
            -round(votes[section], 9),
            0 if section in declared_by_category else 1,
            0 if section == story_kind else 1,
            SECTION_ORDER.index(section),
        )

    best = min(votes, key=rank)
    story.section, story.section_reason = best, reasons[best]

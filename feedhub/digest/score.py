"""The score that ranks stories inside a section (documented in the README, "How the digest chooses and ranks stories"; ``--explain`` shows it).

    score = people + code + reproduction + saved + recency

- people: the sum over the distinct people who pointed at the story (a post, a share, a repost, a
  newsletter item; where no person is named, the source, by id) of their source's weight (1 unless set
  with ``feedhub source set ID --weight W``). The same person twice counts once; an arXiv listing is
  never a vote (it makes a paper a candidate, however many categories carry it);
- code: the paper's own repository (linked from its abstract, its README, the official link or a post
  about it; never a repository whose release notes mention it), or the repository a story is about:
  0.5, plus up to 1.0 for stars (0.2 per power of ten: 10 -> 0.2, 100k -> 1.0);
- reproduction: 0.75 when a runnable reproduction is linked (``feedhub repro run NAME``);
- saved: 2.0 x the similarity (0..1) of the paper to the papers the user saved (never to itself);
- recency: up to 0.1, growing through the window: a tie-breaker, never evidence.
A story featured in an earlier digest counts only its people this week ("shown before").
Ties: later story first, then the story key, so the same data always gives the same digest.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from feedhub.digest.stories import Story
from feedhub.digest.window import Window

CODE = 0.5
STARS_PER_DECADE = 0.2
STARS_MAX = 1.0
REPRO = 0.75
RECENCY = 0.1
SAVED = 2.0
# Below this a similarity to saved papers is noise, not an interest.
SIMILARITY_EVIDENCE = 0.2


def code_points(story: Story) -> tuple[float, int]:
    if not story.repos:
        return 0.0, 0
    stars = max((r.stars or 0) for r in story.repos)
    return CODE + min(STARS_MAX, STARS_PER_DECADE * math.log10(1 + stars)), stars


def evidence(story: Story) -> list[str]:
    """Why a story may be featured at all: people, its own code, a reproduction, the user's interests."""
    found = []
    if story.voters():
        found.append("people")
    if story.repos:
        found.append("code")
    if story.repros:
        found.append("reproduction")
    if story.similarity >= SIMILARITY_EVIDENCE or (story.interest is not None and story.interest.included):
        found.append("interests")
    return found


INCLUDE = 1.0  # per matching include rule


def score(story: Story, window: Window) -> None:
    """Set ``story.score`` and ``story.factors`` ([(name, points, detail)])."""
    factors: list[tuple[str, float, str]] = []
    voters = story.voters()
    if voters:
        names = ", ".join(_voter_name(k, item) + (f" ×{w:g}" if w != 1 else "") for k, (w, item) in voters.items())
        factors.append(("people", sum(w for w, _ in voters.values()), names))
    if story.shown_before:
        factors.append(("shown before", 0.0, f"in {story.shown_before}; only this week's people count"))
    else:
        points, stars = code_points(story)
        if story.repos:
            factors.append(("code", points, f"{story.repos[0].full_name}, {stars:,} stars" if stars else story.repos[0].full_name))
        if story.repros:
            factors.append(("reproduction", REPRO, ", ".join(r.name for r in story.repros)))
        if story.similarity > 0:
            factors.append(("saved", SAVED * story.similarity, f"similarity {story.similarity:.2f} to your saved papers"))
        when = story.latest()
        if when is not None:
            factors.append(("recency", RECENCY * window.fraction(when), _local(when, window.tz)))
    if story.interest is not None and story.interest.included:  # the member's include rules (search/rules.py)
        factors.append(("rules", INCLUDE * story.interest.included, f"{story.interest.included} include rule(s)"))
    story.factors = [(name, round(points, 4), detail) for name, points, detail in factors]
    story.score = round(sum(points for _, points, _ in story.factors), 4)


def _voter_name(key: str, item) -> str:  # type: ignore[no-untyped-def]
    if key.startswith("person:="):
        return str(item.alias)
    if key.startswith("person:") and item.authors:
        return str(item.authors[0])
    return str(item.source_name or key)


@lru_cache(maxsize=4096)
def _local(when: datetime, tz: str) -> str:
    d = when.astimezone(_zone(tz))
    if d.year < 1000:  # strftime's %Y does not pad: keep its spelling
        return d.strftime("%Y-%m-%d %H:%M")
    # the same text as strftime("%Y-%m-%d %H:%M"), a third of its cost (every candidate story asks once)
    return f"{d.year}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}"


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def order_key(story: Story) -> tuple[float, float, str]:
    latest = story.latest()
    return (-story.score, -(latest.timestamp() if latest else 0.0), story.key)

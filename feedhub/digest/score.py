"""The score that ranks stories inside a section (documented in the README, "How the digest chooses and ranks stories"; ``--explain`` shows it).

    score = sources + code + reproduction + recency + saved

- sources: the sum of the weights of the distinct sources that carry or mention the story (a source's
  weight is 1 unless set with ``feedhub source set ID --weight W``);
- code: 0.5 when code is linked, plus up to 1.0 for stars (0.2 per power of ten: 10 -> 0.2, 100k -> 1.0);
- reproduction: 0.75 when a runnable reproduction is linked (``feedhub repro run NAME``);
- recency: up to 0.5, growing linearly through the window (a story from Sunday beats Monday's on a tie);
- saved: 2.0 x the similarity (0..1) of the paper to the papers the user saved.
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
RECENCY = 0.5
SAVED = 2.0
INCLUDE = 1.0  # per matching include rule


def score(story: Story, window: Window) -> None:
    """Set ``story.score`` and ``story.factors`` ([(name, points, detail)])."""
    factors: list[tuple[str, float, str]] = []
    sources = story.source_weights()
    if sources:
        detail = ", ".join(f"{name}" + (f" ×{w:g}" if w != 1 else "") for name, w in sources.items())
        factors.append(("sources", sum(sources.values()), detail))
    if story.repos:
        stars = max((r.stars or 0) for r in story.repos)
        points = CODE + min(STARS_MAX, STARS_PER_DECADE * math.log10(1 + stars))
        factors.append(("code", points, f"{story.repos[0].full_name}, {stars:,} stars" if stars else story.repos[0].full_name))
    if story.repros:
        factors.append(("reproduction", REPRO, ", ".join(r.name for r in story.repros)))
    when = story.latest()
    if when is not None:
        frac = window.fraction(when)
        factors.append(("recency", RECENCY * frac, _local(when, window.tz)))
    if story.similarity > 0:
        factors.append(("saved", SAVED * story.similarity, f"similarity {story.similarity:.2f}"))
    if story.interest is not None and story.interest.included:  # the member's include rules (search/rules.py)
        factors.append(("rules", INCLUDE * story.interest.included, f"{story.interest.included} include rule(s)"))
    story.factors = [(name, round(points, 4), detail) for name, points, detail in factors]
    story.score = round(sum(points for _, points, _ in story.factors), 4)


@lru_cache(maxsize=4096)
def _local(when: datetime, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def order_key(story: Story) -> tuple[float, float, str]:
    latest = story.latest()
    return (-story.score, -(latest.timestamp() if latest else 0.0), story.key)

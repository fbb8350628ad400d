"""Finding arXiv identifiers and DOIs in text and URLs.

arXiv ids come in two styles (https://info.arxiv.org/help/arxiv_identifier.html):

* new style, from April 2007: ``YYMM.NNNN`` (2007-2014) or ``YYMM.NNNNN`` (2015 on), optionally ``vN``;
* old style, before: ``archive[.SC]/YYMMNNN`` (``hep-th/9901001``, ``cs.LG/0601001``); the subject class
  is not part of the identifier, so ``cs.LG/0601001`` is stored as ``cs/0601001``.

When an id counts (false hits are worse than misses: a changelog's "version 1802.03268" must not
become a paper):

* always: in an arXiv URL (``arxiv.org/abs|pdf|html|format/...``), after an ``arXiv:`` prefix, in an
  OAI identifier (``oai:arXiv.org:...``), in an arXiv DOI (``10.48550/arXiv....``);
* old-style ids also as bare tokens: a known archive name, a slash and seven digits with a valid
  year and month is not something a version number or a date looks like;
* a bare new-style id only when the text is in arXiv context: the caller says so (an arXiv listing:
  ``context=True``) or the same text mentions arXiv by name. Even then a token preceded by a
  word such as "version"/"release"/"v", glued to other digits or dots, or with an impossible
  year/month/digit count (``1802.0326`` in 2018, ``1813.01234``) is not an id.

Every id is checked for a valid year and month; new-style ids before 1501 have four digits after the
dot, later ones five.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from feedhub.errors import InvalidInput

# Archives of old-style identifiers (including the long-retired ones that still resolve).
OLD_ARCHIVES = (
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn", "chem-ph",
    "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex", "hep-lat", "hep-ph",
    "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph",
    "q-alg", "q-bio", "q-fin", "quant-ph", "solv-int", "stat", "supr-con",
)  # fmt: skip
_ARCHIVE = "|".join(sorted((re.escape(a) for a in OLD_ARCHIVES), key=len, reverse=True))

_NEW_CORE = r"(?P<new>\d{4}\.\d{4,5})"
_OLD_CORE = r"(?P<old>(?P<archive>" + _ARCHIVE + r")(?:\.[A-Za-z][A-Za-z-]{0,14})?/(?P<olddigits>\d{7}))"
_VERSION = r"(?:v(?P<v>\d{1,3}))?"
_ID = r"(?:" + _NEW_CORE + r"|" + _OLD_CORE + r")" + _VERSION + r"(?![\w])(?!\.\d)"

# In an arxiv.org URL (any host ending in arxiv.org: export., www., browse.).
_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html|format|ps)/" + _ID, re.I)
# arXiv:<id> (also "arXiv: <id>", "arXiv.org:<id>" as in OAI identifiers) and arXiv DOIs.
_PREFIX = re.compile(r"(?<![\w/])(?:arxiv(?:\.org)?\s?:\s?|10\.48550/arxiv\.)" + _ID, re.I)
# Bare tokens. Not after a word char, dot, slash, dash, comma, plus or colon (versions, paths, phones).
_BARE_OLD = re.compile(r"(?<![\w./:+-])" + _OLD_CORE + _VERSION + r"(?![\w/])(?!\.\d)")
_BARE_NEW = re.compile(r"(?<![\w./,:+#$-])" + _NEW_CORE + _VERSION + r"(?![\w/-])(?!\.\d)(?!,\d)")
# Words that make a following number a version, a build or a phone number rather than a paper.
_NOT_BEFORE = re.compile(
    r"(?:\b(?:v|ver|version|versions|release|released|rel|build|tag|rev|revision|update|updated|patch|"
    r"changelog|phone|tel|telephone|fax|mobile|call|ext|issue|pr|ticket|order|invoice|"
    r"page|pp|isbn|issn|doi|ip)\b\.?\s*[:#]?\s*)$",
    re.I,
)
_MENTIONS_ARXIV = re.compile(r"arxiv", re.I)

_STRICT = re.compile(r"^" + _ID + r"$", re.I)
_DOI = re.compile(r"(?<![\w.])(10\.\d{4,9}/[^\s\"'<>]+)", re.I)
_DOI_TRAILING = ".,;:)]}>'\""


def _valid_new(core: str) -> bool:
    yymm, _, number = core.partition(".")
    yy, mm = int(yymm[:2]), int(yymm[2:])
    if not 1 <= mm <= 12 or yymm < "0704":
        return False
    if len(number) != (4 if yymm < "1501" else 5):
        return False
    # Not from the future (a year ahead allows for clock skew around New Year).
    return yy <= (datetime.now(timezone.utc).year % 100) + 1


def _valid_old(digits: str) -> bool:
    yy, mm = int(digits[:2]), int(digits[2:4])
    # Old style ran from 1991-08 to 2007-03.
    return 1 <= mm <= 12 and (yy >= 91 or yy <= 7) and digits[4:] != "000"


def _from_match(m: re.Match[str]) -> tuple[str, int | None] | None:
    groups = m.groupdict()
    new = groups.get("new")
    version = int(groups["v"]) if groups.get("v") else None
    if version == 0:
        return None
    if new:
        return (new, version) if _valid_new(new) else None
    digits = m.group("olddigits")
    if not _valid_old(digits):
        return None
    return f"{m.group('archive').lower()}/{digits}", version


def find_arxiv_ids_with_versions(text: str, *, context: bool = False) -> list[tuple[str, int | None]]:
    """(id, version or None) in order of first appearance, one per id (the first version seen)."""
    if not text:
        return []
    found: dict[str, tuple[int, int | None]] = {}

    def add(pos: int, parsed: tuple[str, int | None] | None) -> None:
        if parsed is None:
            return
        if parsed[0] not in found or pos < found[parsed[0]][0]:
            found[parsed[0]] = (pos, parsed[1])

    # The patterns below start with look-behinds and case-insensitive text, which the regex engine
    # tries at every position (~200 us for an abstract). Each scan is skipped when a literal it needs
    # is absent, or run only at the positions where such a literal is: the matches are the same.
    if text.isascii():
        low = text.lower()
        starts = []
        i = low.find("arxiv")
        while i != -1:
            starts.append(i)
            i = low.find("arxiv", i + 5)
        mentions = bool(starts)
        if starts:
            for m in _matches_at(_URL, text, starts):
                add(m.start(), _from_match(m))
            doi = [i - 9 for i in starts if i >= 9 and low.startswith("10.48550/", i - 9)]
            for m in _matches_at(_PREFIX, text, sorted(doi + starts) if doi else starts):
                add(m.start(), _from_match(m))
    else:
        mentions = bool(_MENTIONS_ARXIV.search(text))
        for pattern in (_URL, _PREFIX):
            for m in pattern.finditer(text):
                add(m.start(), _from_match(m))
    if _SLASH_7.search(text):
        for m in _BARE_OLD.finditer(text):
            add(m.start(), _from_match(m))
    if context or mentions:
        for m in _matches_at(_BARE_NEW, text, _new_candidates(text)):
            if _NOT_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
                continue
            add(m.start(), _from_match(m))
    return [(i, v) for i, (_, v) in sorted(found.items(), key=lambda kv: kv[1][0])]


# Literals every match needs: old-style ids a slash and seven digits, new-style ones NNNN.NNNN.
_SLASH_7 = re.compile(r"/\d{7}")


def _new_candidates(text: str) -> list[int]:
    """Ascending starts of every "NNNN.NNNN" (regex digits: str.isdecimal), overlapping ones included."""
    out: list[int] = []
    i = text.find(".", 4)
    while i != -1:
        head, tail = text[i - 4 : i], text[i + 1 : i + 5]
        if len(tail) == 4 and head.isdecimal() and tail.isdecimal():
            out.append(i - 4)
        i = text.find(".", i + 1)
    return out


def _matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """What ``pattern.finditer(text)`` yields when every match starts at one of ``starts`` (ascending):
    non-overlapping, leftmost first. (A look-behind still sees the text before a start.)"""
    out: list[re.Match[str]] = []
    end = 0
    for s in starts:
        if s < end:
            continue
        m = pattern.match(text, s)
        if m:
            out.append(m)
            end = m.end() if m.end() > m.start() else m.end() + 1
    return out


def find_arxiv_ids(text: str, *, context: bool = False) -> list[str]:
    """arXiv ids (without version) in order of appearance, without duplicates.

    ``context=True`` says the text is known to be about arXiv papers (an arXiv listing), so bare
    new-style ids count even when the text does not say "arXiv"; see the module docstring.
    """
    return [i for i, _ in find_arxiv_ids_with_versions(text, context=context)]


def parse_arxiv_id(value: str) -> tuple[str, int | None] | None:
    """A whole string that is one arXiv id, in any of its usual spellings -> (id, version), else None.

    Accepts ``1802.03268``, ``1802.03268v2``, ``arXiv:1802.03268``, ``hep-th/9901001``,
    ``cs.LG/0601001v1``, ``oai:arXiv.org:...`` and arxiv.org abs/pdf/html URLs.
    """
    value = (value or "").strip()
    if not value or len(value) > 300:
        return None
    m = _STRICT.match(value)
    if m:
        return _from_match(m)
    for prefix in ("oai:arxiv.org:", "arxiv.org:", "arxiv:"):
        if value.lower().startswith(prefix):
            m = _STRICT.match(value[len(prefix) :].strip())
            return _from_match(m) if m else None
    low = value.lower()
    if "arxiv.org/" in low:
        m = _URL.search(value)
        if m:
            rest = value[m.end() :]
            if rest and not re.match(r"^(?:\.pdf)?/?(?:[?#].*)?$", rest):
                return None
            return _from_match(m)
    return None


def normalize_arxiv_id(value: str) -> str:
    """The stored key (id without version) for what a user typed; InvalidInput when it is not an id."""
    parsed = parse_arxiv_id(value)
    if parsed is None:
        raise InvalidInput(
            f"{value!r} is not an arXiv id; use e.g. 1802.03268, 2401.01234v2, hep-th/9901001 or an arxiv.org/abs/ URL"
        )
    return parsed[0]


def arxiv_key(value: str) -> str | None:
    """The stored key (id without version) for a whole string that is one arXiv id; None otherwise."""
    parsed = parse_arxiv_id(value)
    return parsed[0] if parsed is not None else None


def is_arxiv_id(value: str) -> bool:
    """True for a stored key: an id without version, in its canonical spelling."""
    parsed = parse_arxiv_id(value)
    return parsed is not None and parsed[1] is None and parsed[0] == value


def find_dois(text: str) -> list[str]:
    """DOIs (``10.NNNN/suffix``, also inside doi.org URLs), lower-cased, in order, without duplicates.
    arXiv's own DOIs (10.48550/arXiv.*) are ids and come back from find_arxiv_ids as well."""
    out: list[str] = []
    for m in _DOI.finditer(text or ""):
        doi = m.group(1).rstrip(_DOI_TRAILING)
        # A closing parenthesis belongs to the DOI only when the DOI opened one.
        while doi.endswith(")") and doi.count("(") < doi.count(")"):
            doi = doi[:-1]
        doi = doi.lower()
        if "/" in doi and len(doi.split("/", 1)[1]) > 0 and doi not in out:
            out.append(doi)
    return out

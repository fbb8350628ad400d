"""Every fixed string of the digest, in English and Korean; dates in each language's own style."""

from __future__ import annotations

from datetime import date, datetime

from feedhub.errors import InvalidInput

LANGS = ("en", "ko")
SECTION_ORDER = ("news", "posts", "code", "papers")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "section.news": "News",
        "section.posts": "Posts, Articles & Tutorials",
        "section.code": "Code, Projects & Data",
        "section.papers": "Highlighted Research Papers",
        "title": "Weekly AI digest",
        "title.week": "Weekly AI digest · {label}",
        "title.range": "AI digest · {label}",
        "also": "Also this week",
        "empty": "Nothing was pulled for this period. Run `feedhub fetch` (or `feedhub demo`), or pick another week with --week.",
        "empty.section": "Nothing this week.",
        "sources": "Sources",
        "mentions": "{n} mentions",
        "mention": "1 mention",
        "et_al": "et al.",
        "code": "code",
        "reproduce": "reproduce",
        "verdict": "last run",
        "mentions_papers": "papers",
        "untitled": "Untitled",
        "score": "score",
        "footer": "Written by feedhub from {n} stories in {tz}.",
        "footer.one": "Written by feedhub from 1 story in {tz}.",
        "subject": "AI digest {label}",
        "stars": "stars",
        "feed.title": "feedhub weekly digests",
        "why": "why",
        "why.people": "shared by {n} people on your list",
        "why.people.one": "shared by 1 person on your list",
        "why.newsletters": "in {n} newsletters",
        "why.newsletters.one": "in a newsletter",
        "why.feeds": "in {n} of your feeds",
        "why.feeds.one": "in one of your feeds",
        "why.code": "code",
        "why.repro": "runnable reproduction",
        "why.saved": "like papers you saved",
        "why.you_saved": "you saved it",
        "why.listed": "listed on arXiv",
        "why.shown_before": "shown in {week}; new mentions this week",
        "papers.none": "No paper had evidence this week: nobody on your list or in your newsletters mentioned one, none had its own code, and none resembled your saved papers.",
        "papers.few": "Only {n} paper(s) had evidence this week (mentions, their own code, your saved papers); {rest} listed paper(s) without any are left out.",
        "papers.none_listed": "No paper had evidence this week ({rest} listed paper(s), none mentioned by anyone, none with its own code or like your saved papers).",
    },
    "ko": {
        "section.news": "뉴스",
        "section.posts": "글·아티클·튜토리얼",
        "section.code": "코드·프로젝트·데이터",
        "section.papers": "주목할 논문",
        "title": "주간 AI 다이제스트",
        "title.week": "주간 AI 다이제스트 · {label}",
        "title.range": "AI 다이제스트 · {label}",
        "also": "이번 주 더 보기",
        "empty": "이 기간에 받아 온 항목이 없습니다. `feedhub fetch`(또는 `feedhub demo`)를 실행하거나 --week로 다른 주를 고르세요.",
        "empty.section": "이번 주에는 없습니다.",
        "sources": "출처",
        "mentions": "언급 {n}회",
        "mention": "언급 1회",
        "et_al": "외",
        "code": "코드",
        "reproduce": "재현",
        "verdict": "최근 실행",
        "mentions_papers": "논문",
        "untitled": "제목 없음",
        "score": "점수",
        "footer": "feedhub가 {tz} 기준 {n}개의 이야기로 작성했습니다.",
        "subject": "AI 다이제스트 {label}",
        "stars": "스타",
        "feed.title": "feedhub 주간 다이제스트",
        "why": "이유",
        "why.people": "목록의 {n}명이 공유",
        "why.newsletters": "뉴스레터 {n}곳에 실림",
        "why.newsletters.one": "뉴스레터에 실림",
        "why.feeds": "피드 {n}곳에 실림",
        "why.feeds.one": "피드 1곳에 실림",
        "why.code": "코드",
        "why.repro": "실행 가능한 재현",
        "why.saved": "저장한 논문과 비슷함",
        "why.you_saved": "저장한 논문",
        "why.listed": "arXiv 목록에 실림",
        "why.shown_before": "{week}에 소개됨; 이번 주 새 언급",
        "papers.none": "이번 주에는 근거가 있는 논문이 없습니다: 목록이나 뉴스레터에서 언급된 논문도, 자체 코드가 있거나 저장한 논문과 비슷한 논문도 없습니다.",
        "papers.few": "이번 주 근거(언급, 자체 코드, 저장한 논문)가 있는 논문은 {n}편뿐입니다; 근거가 없는 목록 논문 {rest}편은 뺐습니다.",
        "papers.none_listed": "이번 주에는 근거가 있는 논문이 없습니다 (목록 논문 {rest}편, 언급·자체 코드·저장한 논문과의 유사성 없음).",
    },
}

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KO_DAYS = ("월", "화", "수", "목", "금", "토", "일")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    return lang


def t(lang: str, key: str, **values: object) -> str:
    text = STRINGS[lang].get(key) or STRINGS["en"][key]
    return text.format(**values) if values else text


def section_title(lang: str, section: str) -> str:
    return t(lang, f"section.{section}")


def format_date(lang: str, d: date | datetime) -> str:
    """``Tue, Feb 20, 2018`` / ``2018년 2월 20일 (화)``."""
    if lang == "ko":
        return f"{d.year}년 {d.month}월 {d.day}일 ({_KO_DAYS[d.weekday()]})"
    return f"{_EN_DAYS[d.weekday()]}, {_EN_MONTHS[d.month - 1]} {d.day}, {d.year}"


def format_short_date(lang: str, d: date | datetime) -> str:
    """``Feb 20`` / ``2월 20일``."""
    if lang == "ko":
        return f"{d.month}월 {d.day}일"
    return f"{_EN_MONTHS[d.month - 1]} {d.day}"


def format_range(lang: str, first: date, last: date) -> str:
    """``Feb 19 – Feb 25, 2018`` / ``2018년 2월 19일 (월) – 2월 25일 (일)``."""
    if lang == "ko":
        end = f"{last.month}월 {last.day}일 ({_KO_DAYS[last.weekday()]})"
        if last.year != first.year:
            end = f"{last.year}년 " + end
        return f"{format_date('ko', first)} – {end}"
    start = format_short_date("en", first) + (f", {first.year}" if first.year != last.year else "")
    return f"{start} – {format_short_date('en', last)}, {last.year}"


def week_title(lang: str, label: str) -> str:
    """``2018-W08`` stays as it is in English; Korean reads ``2018년 8주차``."""
    if lang == "ko" and "-W" in label:
        year, week = label.split("-W")
        return f"{year}년 {int(week)}주차"
    return label


def footer(lang: str, n: int, tz: str) -> str:
    return t(lang, "footer.one", tz=tz) if n == 1 and lang == "en" else t(lang, "footer", n=n, tz=tz)


def mentions(lang: str, n: int) -> str:
    return t(lang, "mention") if n == 1 else t(lang, "mentions", n=n)


def why(lang: str, what: str, n: int) -> str:
    """``shared by 3 people on your list`` / ``in a newsletter``."""
    if n == 1 and f"why.{what}.one" in STRINGS[lang]:
        return t(lang, f"why.{what}.one")
    return t(lang, f"why.{what}", n=n)


def papers_note(lang: str, shown: int, without_evidence: int) -> str:
    """Why Highlighted Research Papers shows fewer papers than asked (no filler)."""
    if shown == 0:
        return t(lang, "papers.none_listed", rest=f"{without_evidence:,}") if without_evidence else t(lang, "papers.none")
    return t(lang, "papers.few", n=shown, rest=f"{without_evidence:,}") if without_evidence else ""


def number(lang: str, n: int) -> str:
    return f"{n:,}"


_KO_VERDICTS = {
    "reproduced": "재현됨", "confirmed": "재현됨", "not reproduced": "재현 안 됨", "not_reproduced": "재현 안 됨",
    "refuted": "재현 안 됨", "failed": "실패", "partial": "부분 재현", "partially reproduced": "부분 재현",
    "partially": "부분 재현", "inconclusive": "판단 보류", "error": "오류",
}  # fmt: skip


def verdict(lang: str, value: str) -> str:
    """A run's verdict in the digest's language (known verdicts; others as stored)."""
    if lang == "ko":
        return _KO_VERDICTS.get(value.strip().lower().replace("-", " "), value)
    return value

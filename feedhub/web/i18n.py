"""Every fixed string of the pages, in English and Korean (the digest's own strings live in digest/i18n)."""

from __future__ import annotations

from typing import Callable

LANGS = ("en", "ko")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "nav.week": "This week", "nav.search": "Search", "nav.saved": "Saved", "nav.interests": "Rules & follows",
        "nav.sources": "Sources", "nav.repros": "Reproductions", "nav.signout": "Sign out", "nav.signin": "Sign in",
        "signin.title": "Sign in", "signin.name": "Name", "signin.password": "Password", "signin.button": "Sign in",
        "signin.failed": "That name and password do not match. Ask the admin for a sign-in link (`feedhub member link NAME`).",
        "signin.limited": "Too many failed sign-ins: wait 15 minutes, or use a sign-in link (`feedhub member link NAME`).",
        "signin.link_used": "This sign-in link was used already or has expired. Run `feedhub member link NAME` for a new one.",
        "signin.hint": "No password yet? The admin prints a one-time link with `feedhub member link NAME`.",
        "week.group": "The group's week", "week.mine": "My week", "week.prev": "Previous week", "week.next": "Next week",
        "week.feed": "Atom feed", "week.pick": "Week", "week.go": "Show",
        "story.dismiss": "Not interested", "story.save": "Save", "story.saved": "Saved", "story.paper": "paper page",
        "story.why": "Why", "story.mentions": "Mentions",
        "search.placeholder": "e.g. adam optimizer author:kingma", "search.button": "Search", "search.since": "Since",
        "search.until": "Until", "search.cat": "Category", "search.author": "Author", "search.has_code": "Has code",
        "search.saved": "Saved only", "search.kind": "Kind", "search.kind.any": "Papers and posts", "search.kind.paper": "Papers",
        "search.kind.entry": "Posts", "search.sort": "Sort", "search.sort.relevance": "Relevance", "search.sort.date": "Newest",
        "search.results": "{total} results · {first}–{last} shown", "search.none": "Nothing matched. Try fewer words or remove a filter.",
        "search.more": "Next page", "search.less": "Previous page", "search.help": "Query language: words, \"phrases\", author:, cat:, year:, has:code, is:saved, OR, -word.",
        "paper.abs": "abstract page", "paper.pdf": "PDF", "paper.authors": "Authors", "paper.categories": "Categories",
        "paper.published": "Published", "paper.updated": "Updated", "paper.versions": "Versions", "paper.code": "Code",
        "paper.nocode": "No code linked yet.", "paper.mentions": "Mentions", "paper.nomentions": "Nobody mentioned it yet.",
        "paper.related": "Related papers", "paper.repros": "Reproductions", "paper.save": "Save", "paper.unsave": "Remove from saved",
        "paper.dismiss": "Not interested", "paper.undismiss": "Show it again", "paper.tags": "Tags (comma-separated)",
        "paper.note": "Note", "paper.update": "Save tags and note", "paper.dismissed": "You marked this paper “not interested”.",
        "paper.stars": "stars", "paper.related_off": "Related papers need the [recommend] extra: pip install 'feedhub[recommend]'.", "paper.norepro": "No reproduction of this paper yet.",
        "repro.claim": "Claim", "repro.verdict": "Verdict", "repro.rerun": "Run it again", "repro.runs": "Runs",
        "repro.noruns": "Not run yet.", "repro.figures": "Figures", "repro.numbers": "Numbers", "repro.papers": "Papers",
        "repro.all": "All reproductions", "repro.when": "When", "repro.mode": "Mode", "repro.seconds": "Seconds", "repro.measured": "Measured",
        "saved.title": "Saved papers", "saved.none": "Nothing saved yet: open a paper and press Save.", "saved.bibtex": "BibTeX",
        "interests.title": "Rules and follows", "interests.rules": "Rules", "interests.follows": "Follows",
        "interests.add_rule": "Add rule", "interests.remove": "Remove", "interests.follow": "Follow", "interests.dismissed": "Not interested",
        "interests.undo": "Undo", "interests.norules": "No rules yet.", "interests.nofollows": "You follow nobody yet.",
        "interests.rule_help": "e.g. include cat:cs.LG \"reinforcement learning\" · exclude crypto · pin author:\"Yann LeCun\"",
        "interests.follow_help": "author:\"Geoffrey Hinton\" · repo:pytorch/pytorch · lab:deepmind",
        "sources.title": "Sources", "sources.name": "Source", "sources.kind": "Kind", "sources.last": "Last fetch",
        "sources.next": "Next check", "sources.errors": "Errors", "sources.state": "State", "sources.todo": "What to do",
        "sources.entries": "Entries", "sources.paused": "paused", "sources.ok": "ok", "sources.disabled": "disabled",
        "sources.fetch": "Background fetch", "sources.fetch_off": "off (start with `feedhub serve --fetch-every 1h`)",
        "sources.guest": "Guest access (read-only, no sign-in)", "sources.guest_on": "Turn on", "sources.guest_off": "Turn off",
        "lang": "Language", "lang.en": "English", "lang.ko": "한국어",
        "error.title": "Something is wrong", "error.not_found": "Not found: no such page here.",
        "error.csrf": "This form is stale (its security token does not match). Go back, reload the page and try again.",
        "error.admin": "Only an admin can do this.", "error.signin_first": "Sign in first.",
        "error.server": "The server could not answer this request; the admin finds the details in the server's log.",
        "problem.title": "The database needs the admin",
        "problem.missing": "No database at {path}. The admin runs `feedhub demo` (sample data) or `feedhub source add URL && feedhub fetch`, then restarts `feedhub serve`.",
        "problem.migrate": "The database is behind (at {current}). The admin runs `feedhub db upgrade`, then restarts `feedhub serve`.",
        "guest": "guest (read-only)", "back": "Back to this week",
    },
    "ko": {
        "nav.week": "이번 주", "nav.search": "검색", "nav.saved": "저장함", "nav.interests": "규칙·팔로우",
        "nav.sources": "소스", "nav.repros": "재현 실험", "nav.signout": "로그아웃", "nav.signin": "로그인",
        "signin.title": "로그인", "signin.name": "이름", "signin.password": "비밀번호", "signin.button": "로그인",
        "signin.failed": "이름과 비밀번호가 맞지 않습니다. 관리자에게 로그인 링크를 요청하세요 (`feedhub member link NAME`).",
        "signin.limited": "로그인 실패가 너무 많습니다. 15분 뒤에 다시 하거나 로그인 링크를 쓰세요 (`feedhub member link NAME`).",
        "signin.link_used": "이미 쓰였거나 만료된 로그인 링크입니다. `feedhub member link NAME`으로 새 링크를 받으세요.",
        "signin.hint": "비밀번호가 없나요? 관리자가 `feedhub member link NAME`으로 일회용 링크를 만들어 줍니다.",
        "week.group": "모임의 한 주", "week.mine": "나의 한 주", "week.prev": "지난주", "week.next": "다음 주",
        "week.feed": "Atom 피드", "week.pick": "주", "week.go": "보기",
        "story.dismiss": "관심 없음", "story.save": "저장", "story.saved": "저장됨", "story.paper": "논문 페이지",
        "story.why": "선정 이유", "story.mentions": "언급",
        "search.placeholder": "예: adam optimizer author:kingma", "search.button": "검색", "search.since": "시작일",
        "search.until": "종료일", "search.cat": "분야", "search.author": "저자", "search.has_code": "코드 있음",
        "search.saved": "저장한 것만", "search.kind": "종류", "search.kind.any": "논문과 글", "search.kind.paper": "논문",
        "search.kind.entry": "글", "search.sort": "정렬", "search.sort.relevance": "관련도", "search.sort.date": "최신순",
        "search.results": "결과 {total}개 중 {first}–{last}", "search.none": "맞는 결과가 없습니다. 단어를 줄이거나 필터를 빼 보세요.",
        "search.more": "다음 페이지", "search.less": "이전 페이지", "search.help": "검색어 문법: 단어, \"구문\", author:, cat:, year:, has:code, is:saved, OR, -단어.",
        "paper.abs": "초록 페이지", "paper.pdf": "PDF", "paper.authors": "저자", "paper.categories": "분야",
        "paper.published": "게재", "paper.updated": "수정", "paper.versions": "버전", "paper.code": "코드",
        "paper.nocode": "아직 연결된 코드가 없습니다.", "paper.mentions": "언급", "paper.nomentions": "아직 아무도 언급하지 않았습니다.",
        "paper.related": "관련 논문", "paper.repros": "재현 실험", "paper.save": "저장", "paper.unsave": "저장 취소",
        "paper.dismiss": "관심 없음", "paper.undismiss": "다시 보이기", "paper.tags": "태그 (쉼표로 구분)",
        "paper.note": "메모", "paper.update": "태그와 메모 저장", "paper.dismissed": "이 논문을 ‘관심 없음’으로 표시했습니다.",
        "paper.stars": "스타", "paper.related_off": "관련 논문은 [recommend] 추가 기능이 필요합니다: pip install 'feedhub[recommend]'.", "paper.norepro": "아직 이 논문의 재현 실험이 없습니다.",
        "repro.claim": "주장", "repro.verdict": "판정", "repro.rerun": "다시 실행", "repro.runs": "실행 기록",
        "repro.noruns": "아직 실행하지 않았습니다.", "repro.figures": "그림", "repro.numbers": "수치", "repro.papers": "논문",
        "repro.all": "모든 재현 실험", "repro.when": "시각", "repro.mode": "모드", "repro.seconds": "초", "repro.measured": "측정값",
        "saved.title": "저장한 논문", "saved.none": "아직 저장한 논문이 없습니다. 논문을 열고 ‘저장’을 누르세요.", "saved.bibtex": "BibTeX",
        "interests.title": "규칙과 팔로우", "interests.rules": "규칙", "interests.follows": "팔로우",
        "interests.add_rule": "규칙 추가", "interests.remove": "삭제", "interests.follow": "팔로우", "interests.dismissed": "관심 없음",
        "interests.undo": "되돌리기", "interests.norules": "아직 규칙이 없습니다.", "interests.nofollows": "아직 팔로우하는 대상이 없습니다.",
        "interests.rule_help": "예: include cat:cs.LG \"reinforcement learning\" · exclude crypto · pin author:\"Yann LeCun\"",
        "interests.follow_help": "author:\"Geoffrey Hinton\" · repo:pytorch/pytorch · lab:deepmind",
        "sources.title": "소스", "sources.name": "소스", "sources.kind": "종류", "sources.last": "마지막 수집",
        "sources.next": "다음 확인", "sources.errors": "오류", "sources.state": "상태", "sources.todo": "할 일",
        "sources.entries": "항목", "sources.paused": "일시 중지", "sources.ok": "정상", "sources.disabled": "꺼짐",
        "sources.fetch": "백그라운드 수집", "sources.fetch_off": "꺼짐 (`feedhub serve --fetch-every 1h`로 켜기)",
        "sources.guest": "손님 접근 (읽기 전용, 로그인 없이)", "sources.guest_on": "켜기", "sources.guest_off": "끄기",
        "lang": "언어", "lang.en": "English", "lang.ko": "한국어",
        "error.title": "문제가 생겼습니다", "error.not_found": "찾을 수 없습니다: 그런 페이지가 없습니다.",
        "error.csrf": "오래된 양식입니다 (보안 토큰이 맞지 않습니다). 뒤로 가서 페이지를 새로 고친 뒤 다시 하세요.",
        "error.admin": "관리자만 할 수 있습니다.", "error.signin_first": "먼저 로그인하세요.",
        "error.server": "서버가 이 요청에 답하지 못했습니다. 자세한 내용은 관리자가 서버 로그에서 볼 수 있습니다.",
        "problem.title": "관리자가 데이터베이스를 손봐야 합니다",
        "problem.missing": "{path}에 데이터베이스가 없습니다. 관리자가 `feedhub demo`(예제 데이터) 또는 `feedhub source add URL && feedhub fetch`를 실행한 뒤 `feedhub serve`를 다시 시작하세요.",
        "problem.migrate": "데이터베이스가 뒤처져 있습니다 ({current}). 관리자가 `feedhub db upgrade`를 실행한 뒤 `feedhub serve`를 다시 시작하세요.",
        "guest": "손님 (읽기 전용)", "back": "이번 주로 돌아가기",
    },
}


def text(lang: str, key: str) -> str:
    return STRINGS.get(lang, STRINGS["en"]).get(key) or STRINGS["en"].get(key, key)


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        found = text(lang, key)
        return found.format(**values) if values else found

    return t

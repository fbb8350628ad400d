"""GitHub repository URLs -> ``owner/name`` (lower-case), the key of the repos table.

Accepted: ``https://github.com/owner/name`` with anything after it (``/tree/main/src``, ``/issues/3``,
``.git``, a query string, a fragment), ``www.``/``http``/no scheme, ``git@github.com:owner/name.git``,
``api.github.com/repos/owner/name`` and ``raw.githubusercontent.com/owner/name/...``.
Ignored: github.com pages that are not repositories (``/features``, ``/orgs/...``, ``/topics/...``,
``/sponsors/...``, ``/settings``, ``/marketplace``, ``/about``, ``/login``, ...), profile pages
(``github.com/owner`` alone), gists and ``*.github.io`` sites.
"""

from __future__ import annotations

import re

# First path segments of github.com that are GitHub's own pages, never an owner.
RESERVED_OWNERS = frozenset(
    {
        "about", "account", "apps", "blog", "booths", "business", "changelog", "codespaces", "collections",
        "contact", "copilot", "customer-stories", "dashboard", "developer", "discussions", "docs", "education",
        "enterprise", "events", "explore", "features", "git-guides", "github-copilot", "home", "issues",
        "join", "login", "logout", "marketplace", "mobile", "new", "nonprofit", "notifications", "open-source",
        "organizations", "orgs", "password_reset", "personal", "premium-support", "pricing", "pulls",
        "readme", "resources", "search", "security", "sessions", "settings", "signup", "site", "solutions",
        "sponsors", "stars", "status", "team", "topics", "trending", "users", "watching", "works-with",
        "customer", "partners", "shop", "terms", "privacy", "support", "codesearch", "research",
    }
)  # fmt: skip

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_NAME = r"[A-Za-z0-9._-]{1,100}"
# Anchored on the literal "github" so the scan is fast; what precedes it is checked in _prefix_ok.
_REPO_IN_TEXT = re.compile(
    r"github(?P<host>\.com/repos/|\.com/|\.com:|usercontent\.com/)(?P<owner>" + _OWNER + r")/(?P<name>" + _NAME + r")",
    re.I,
)
_PREFIXES = {
    ".com/": ("", "www.", "http://", "https://", "http://www.", "https://www."),
    ".com/repos/": ("api.", "http://api.", "https://api."),
    ".com:": ("git@",),
    "usercontent.com/": ("raw.", "http://raw.", "https://raw."),
}


def _prefix_ok(text: str, m: re.Match[str]) -> bool:
    """The host part before "github" is one we accept, and nothing word-like is glued to it."""
    host = m.group("host").lower()
    if host == ".com/" and m.group("owner").lower() == "repos":
        return False
    before = text[max(0, m.start() - 14) : m.start()].lower()
    for prefix in sorted(_PREFIXES[host], key=len, reverse=True):
        if before.endswith(prefix):
            rest = before[: len(before) - len(prefix)]
            return not rest or not (rest[-1].isalnum() or rest[-1] in "_.-@")
    return False


_FULL_NAME = re.compile(r"^(?P<owner>" + _OWNER + r")/(?P<name>" + _NAME + r")$")


def _clean(owner: str, name: str) -> str | None:
    if owner.lower() in RESERVED_OWNERS:
        return None
    if name.lower().endswith(".git"):
        name = name[:-4]
    name = name.rstrip(".")  # a sentence's full stop after the URL
    if not name or name in (".", "..") or name.startswith("."):
        return None
    return f"{owner}/{name}".lower()


def find_repos(text: str) -> list[str]:
    """``owner/name`` of every GitHub repository linked or named by URL in ``text``, in order, unique."""
    out: list[str] = []
    if not text or "github" not in text.lower():
        return out
    for m in _REPO_IN_TEXT.finditer(text):
        if not _prefix_ok(text, m):
            continue
        full = _clean(m.group("owner"), m.group("name"))
        if full and full not in out:
            out.append(full)
    return out


def normalize_repo(value: str) -> str | None:
    """``owner/name`` for one URL or ``owner/name`` string; None when it is not a GitHub repository."""
    value = (value or "").strip()
    if not value:
        return None
    m = _FULL_NAME.match(value)
    if m:
        return _clean(m.group("owner"), m.group("name"))
    found = find_repos(value)
    if not found:
        return None
    # Only when the whole value is that URL (with a path after it), not text around a URL.
    m = next((m for m in _REPO_IN_TEXT.finditer(value) if _prefix_ok(value, m)), None)
    if m is None or any(c.isspace() for c in value[: m.start()]):
        return None
    return found[0]


def repo_url(full_name: str) -> str:
    return f"https://github.com/{full_name}"

"""GitHub's Atom feeds: a repository's releases, tags and commits, and a user's public activity.

URLs (what ``github:`` shorthands become, see ``feed_url``):

* ``https://github.com/<owner>/<name>/releases.atom`` entry ids ``tag:github.com,2008:Repository/<n>/<tag>``,
  links ``.../releases/tag/<tag>``, content the release notes (HTML);
* ``.../tags.atom``: the same shape, one entry per tag, links ``.../releases/tag/<tag>``;
* ``.../commits.atom`` (default branch) or ``.../commits/<branch>.atom``: ids
  ``tag:github.com,2008:Grit::Commit/<sha>``, titles padded with whitespace, content the message in a
  ``<pre>``;
* ``https://github.com/<user>.atom``: public activity (pushes, stars, releases, ...), one entry per
  event, each linking the repository it is about.

Each entry's ``extra["github"]`` says what it is: ``{"repo": "owner/name", "feed": "releases" | "tags" |
"commits" | "user", "ref": tag or sha}`` (``repo`` absent when an activity entry names none). The entry's
link points into its repository, so links.graph treats it as an entry *about* that repository.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import SplitResult, urlsplit

from feedhub.errors import InvalidInput
from feedhub.links.repos import RESERVED_OWNERS, normalize_repo
from feedhub.sources import feed as feedmod
from feedhub.sources.base import ParsedEntry, ParsedFeed, SourceSpec

FEED_KINDS = ("releases", "tags", "commits")
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
_COMMIT_ID = re.compile(r"Grit::Commit/(?P<sha>[0-9a-f]{7,40})", re.I)
_RELEASE_ID = re.compile(r"Repository/\d+/(?P<tag>.+)$")
_FEED_PATH = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<name>[^/]+)/(?:(?P<kind>releases|tags)|commits(?:/(?P<branch>.+))?)\.atom$"
)


def parse_spec(rest: str) -> tuple[str, str | None, str | None]:
    """``owner/name[@branch]`` or ``user`` -> (owner, name or None, branch or None); InvalidInput if malformed."""
    text = rest.strip().strip("/")
    if text.lower().startswith(("https://", "http://", "github.com/", "www.github.com/")):
        full = normalize_repo(text)
        if full is None:
            raise InvalidInput(f"{rest!r} is not a GitHub repository; use github:owner/name or github:username")
        text = full
    branch = None
    if "@" in text:
        text, _, branch = text.partition("@")
        if not branch or not _BRANCH.match(branch) or ".." in branch:
            raise InvalidInput(f"invalid branch {branch!r} in github:{rest}; use github:owner/name@branch")
    parts = text.split("/")
    if len(parts) == 1 and parts[0] and _OWNER.match(parts[0]) and parts[0].lower() not in RESERVED_OWNERS:
        if branch:
            raise InvalidInput(f"github:{rest}: a branch needs a repository; use github:owner/name@branch")
        return parts[0], None, None
    if len(parts) == 2 and _OWNER.match(parts[0]) and _NAME.match(parts[1]) and parts[0].lower() not in RESERVED_OWNERS:
        name = parts[1][:-4] if parts[1].lower().endswith(".git") else parts[1]
        if name and not name.startswith("."):
            return parts[0], name, branch
    raise InvalidInput(f"{rest!r} is not a GitHub repository or user; use github:owner/name (e.g. github:pytorch/pytorch) or github:username")


def feed_url(owner: str, name: str | None, feed: str = "releases", branch: str | None = None) -> str:
    """The Atom feed URL of a repository's releases/tags/commits, or of a user's activity (name None)."""
    if name is None:
        return f"https://github.com/{owner}.atom"
    if feed not in FEED_KINDS:
        raise InvalidInput(f"unknown GitHub feed {feed!r}; use one of: {', '.join(FEED_KINDS)}")
    if feed == "commits":
        return f"https://github.com/{owner}/{name}/commits/{branch}.atom" if branch else f"https://github.com/{owner}/{name}/commits.atom"
    if branch:
        raise InvalidInput("a branch (@branch) only applies to --commits")
    return f"https://github.com/{owner}/{name}/{feed}.atom"


def _github_parts(url: str) -> SplitResult | None:
    """The parts of a github.com URL; None for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts if (parts.hostname or "").lower() in ("github.com", "www.github.com") else None


def classify_url(url: str) -> dict[str, Any] | None:
    """What a github.com Atom URL is: {"repo", "feed", "branch"} or {"user", "feed": "user"}; None otherwise."""
    parts = _github_parts(url)
    if parts is None:
        return None
    m = _FEED_PATH.match(parts.path)
    if m:
        repo = normalize_repo(f"{m.group('owner')}/{m.group('name')}")
        if repo is None:
            return None
        return {"repo": repo, "feed": m.group("kind") or "commits", "branch": m.group("branch")}
    user = re.match(r"^/([^/]+)\.atom$", parts.path)
    if user and _OWNER.match(user.group(1)) and user.group(1).lower() not in RESERVED_OWNERS:
        return {"user": user.group(1), "feed": "user"}
    return None


def _feed_kind(feed_id: str, self_link: str | None) -> str:
    about = classify_url(self_link or "") if self_link else None
    if about:
        return str(about["feed"])
    low = feed_id.lower()
    if "/commits/" in low or low.endswith("/commits"):
        return "commits"
    if low.endswith("/releases"):
        return "releases"
    if low.endswith("/tags"):
        return "tags"
    return "user"


def _entry_extra(e: Mapping[str, Any], kind: str, link: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {"feed": kind}
    repo = normalize_repo(link) if link and "github" in link.lower() else None
    if repo:
        info["repo"] = repo
    guid = str(e.get("id") or "")
    m = _COMMIT_ID.search(guid)
    if m:
        info["ref"] = m.group("sha").lower()
    else:
        m = _RELEASE_ID.search(guid)
        if m:
            info["ref"] = m.group("tag")
    return {"github": info}


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """A GitHub Atom feed; other RSS/Atom (a bridge, a mirror) is read as a plain feed with the same extras."""
    raw = feedmod.parse_raw(body, headers) if body and body.strip() else None
    if raw is None or (not raw.get("version") and not raw.get("entries")):
        return feedmod.parse(body, headers)  # raises NotAFeed with the right message (empty, HTML, junk)
    feed_info = raw.get("feed") or {}
    self_link = next(
        (str(link.get("href")) for link in feed_info.get("links") or [] if isinstance(link, Mapping) and link.get("rel") == "self"),
        None,
    )
    kind = _feed_kind(str(feed_info.get("id") or ""), self_link)
    entries: list[ParsedEntry] = []
    for raw_entry in raw.get("entries") or []:
        entry = feedmod.parse_entry(raw_entry)
        entry.title = " ".join(entry.title.split())  # commit titles come padded with newlines and spaces
        entry.extra = {**entry.extra, **_entry_extra(raw_entry, kind, entry.link)}
        entries.append(entry)
    warning = None
    if raw.get("bozo"):
        exc = raw.get("bozo_exception")
        warning = feedmod.bozo_note(exc)
    return ParsedFeed(
        title=str(feed_info.get("title") or ""),
        link=str(feed_info.get("link") or "") or None,
        entries=entries,
        format=str(raw.get("version") or "unknown"),
        warning=warning,
        extra={"github_feed": kind},
    )


# -- adding a source -----------------------------------------------------------------------------------


def _spec(**kw: Any) -> SourceSpec:
    return SourceSpec(**kw)


def shorthand(rest: str, options: Mapping[str, Any]) -> SourceSpec:
    """``github:owner/name[@branch]`` (releases unless options say tags/commits), ``github:user`` (activity)."""
    owner, name, branch = parse_spec(rest)
    asked = options.get("github_feed")
    if name is None and asked:
        raise InvalidInput(f"github:{rest} is a user's activity feed; --{asked} needs a repository (github:owner/name)")
    feed = str(asked or ("commits" if branch else "releases"))
    return _github_spec(owner, name, feed, branch)


def _github_spec(owner: str, name: str | None, feed: str, branch: str | None) -> SourceSpec:
    url = feed_url(owner, name, feed, branch)
    if name is None:
        return _spec(kind="github", url=url, name=f"GitHub {owner} activity", section="code", options={"github_feed": "user"})
    label = f"{owner}/{name} {feed}" + (f" ({branch})" if branch else "")
    return _spec(kind="github", url=url, name=label, section="code", options={"github_feed": feed})


def recognize_github(url: str, feed: str | None) -> SourceSpec | None:
    parts = _github_parts(url)
    if parts is None:
        return None
    about = classify_url(url)
    if about is not None:  # already an Atom feed URL: keep it as given
        if feed and about["feed"] != feed:
            raise InvalidInput(f"{url} is the {about['feed']} feed; drop --{feed} or give the repository's URL")
        if "repo" in about:
            return _spec(kind="github", url=url, name=f"{about['repo']} {about['feed']}", section="code", options={"github_feed": about["feed"]})
        return _spec(kind="github", url=url, name=f"GitHub {about['user']} activity", section="code", options={"github_feed": "user"})
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) == 1:
        owner, _, _ = parse_spec(segments[0])
        return _github_spec(owner, None, "user", None)
    repo = normalize_repo(url)
    if repo is None:
        return None
    page = segments[2] if len(segments) > 2 else None
    guessed = page if page in ("releases", "tags", "commits") else "releases"
    branch = segments[3] if page == "commits" and len(segments) > 3 else None
    owner, name = repo.split("/")
    return _github_spec(owner, name, feed or guessed, branch if (feed or guessed) == "commits" else None)


def recognize(url: str, forced: bool, options: Mapping[str, Any]) -> SourceSpec | None:
    """A github.com repository, its releases/tags/commits page or feed, or a user's page."""
    return recognize_github(url, options.get("github_feed"))  # type: ignore[arg-type]

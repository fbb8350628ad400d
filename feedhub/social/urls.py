"""What a researchers'-list or GitHub URL (or shorthand) is, and the URL feedhub stores for it.

Recognized without the user saying ``--kind`` (``recognize``):

* ``https://bsky.app/profile/<handle or DID>/lists/<rkey>``: a Bluesky list (kind ``bluesky``), read
  through the public AppView's ``app.bsky.feed.getListFeed``; ``https://bsky.app/profile/<handle>``
  becomes the profile's RSS feed ``.../rss`` (kind ``bluesky``);
* ``https://<host>/@<user>``: a Mastodon profile -> ``https://<host>/@<user>.rss`` (kind ``mastodon``),
  except on hosts known to use ``/@name`` for something else (Medium, YouTube, ...); ``/tags/<tag>``
  only on well-known Mastodon servers or with ``--kind mastodon`` (too many blogs have ``/tags/`` pages);
* ``https://x.com/i/lists/<id>`` (or twitter.com): an X list (kind ``x``), read through the API v2;
* hosts with ``nitter`` or ``rsshub`` in their name: RSS bridges (kind ``bridge``), ordinary feeds;
* ``https://github.com/<owner>/<name>[/releases|/tags|/commits]`` and ``https://github.com/<user>``
  become the repository's (or user's) Atom feed (kind ``github``).

Shorthands (registered in feedhub.subscriptions): ``github:owner/name[@branch]``, ``github:user``,
``bsky:<handle>/lists/<rkey>``, ``bsky:<handle>``, ``mastodon:@user@host``, ``x:list/<id>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from feedhub.errors import InvalidInput

if TYPE_CHECKING:
    from feedhub.subscriptions import SourceSpec

BSKY_WEB = "https://bsky.app"
# A handle is a domain name; a DID is did:plc:<base32> or did:web:<domain>.
_HANDLE = re.compile(r"^(?=.{3,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DID = re.compile(r"^did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.:%-]{3,253})$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_BSKY_PATH = re.compile(r"^/profile/(?P<actor>[^/]+)(?:/lists/(?P<rkey>[^/]+)|/rss)?/?$")
_AT_LIST = re.compile(r"^at://(?P<actor>[^/]+)/app\.bsky\.graph\.list/(?P<rkey>[^/?#]+)$")
_X_LIST_PATH = re.compile(r"^/i/lists/(?P<id>\d{1,25})/?$")
_X_HOSTS = ("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com", "mobile.x.com")
_MASTO_USER = re.compile(r"^/@(?P<user>[A-Za-z0-9_]{1,64})(?P<rss>\.rss)?/?$")
_MASTO_TAG = re.compile(r"^/tags/(?P<tag>[^/.?#]{1,100})(?P<rss>\.rss)?/?$")
# Sites that use /@name for things that are not Mastodon profiles.
NOT_MASTODON = ("medium.com", "youtube.com", "tiktok.com", "threads.net", "threads.com", "substack.com", "bsky.app",
                "x.com", "twitter.com", "github.com", "npmjs.com", "figma.com", "vimeo.com", "flickr.com", "dev.to")  # fmt: skip
# Servers where a /tags/<tag> URL is surely a Mastodon hashtag (elsewhere say --kind mastodon).
KNOWN_MASTODON = ("mastodon.social", "mastodon.online", "sigmoid.social", "fosstodon.org", "hachyderm.io",
                  "mstdn.social", "mas.to", "infosec.exchange", "scholar.social", "mathstodon.xyz",
                  "social.vivaldi.net", "techhub.social", "mastodon.world", "aus.social", "sciences.social")  # fmt: skip
X_DEFAULT_MAX_POSTS = 20
X_DEFAULT_INTERVAL_MINUTES = 240


def _spec(**kw: Any) -> SourceSpec:
    from feedhub.subscriptions import SourceSpec

    return SourceSpec(**kw)


def _host_in(host: str, names: tuple[str, ...]) -> bool:
    return any(host == n or host.endswith("." + n) for n in names)


# -- Bluesky ------------------------------------------------------------------------------------------

def check_actor(actor: str) -> str:
    """A handle (lower-cased, leading @ dropped) or a DID; InvalidInput otherwise."""
    actor = actor.strip().removeprefix("@")
    if _DID.match(actor):
        return actor
    if _HANDLE.match(actor):
        return actor.lower()
    raise InvalidInput(f"{actor!r} is not a Bluesky handle or DID; use e.g. alice.bsky.social or did:plc:...")


def bluesky_list_url(actor: str, rkey: str) -> str:
    actor = check_actor(actor)
    if not _RKEY.match(rkey) or rkey in (".", ".."):
        raise InvalidInput(f"{rkey!r} is not a Bluesky list key; copy the list's URL from bsky.app")
    return f"{BSKY_WEB}/profile/{actor}/lists/{rkey}"


def parse_bluesky_url(url: str) -> tuple[str, str | None, bool] | None:
    """(actor, list rkey or None, is_rss) for a bsky.app profile/list URL; None for other URLs."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in ("bsky.app", "www.bsky.app", "staging.bsky.app"):
        return None
    m = _BSKY_PATH.match(parts.path)
    if not m:
        return None
    return m.group("actor"), m.group("rkey"), parts.path.rstrip("/").endswith("/rss")


def _bluesky_spec(actor: str, rkey: str | None) -> SourceSpec:
    if rkey is None:
        actor = check_actor(actor)
        return _spec(kind="bluesky", url=f"{BSKY_WEB}/profile/{actor}/rss", name=f"Bluesky @{actor}", section="posts")
    url = bluesky_list_url(actor, rkey)
    return _spec(kind="bluesky", url=url, name=f"Bluesky list {check_actor(actor)}/{rkey}", section="posts")


def bsky_shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
    """``bsky:<handle>/lists/<rkey>``, ``bsky:<handle>`` (profile RSS), ``bsky:at://<did>/app.bsky.graph.list/<rkey>``."""
    rest = rest.strip()
    m = _AT_LIST.match(rest)
    if m:
        return _bluesky_spec(m.group("actor"), m.group("rkey"))
    if rest.startswith("//"):
        rest = "https:" + rest
    if rest.startswith(("https://", "http://")):
        found = parse_bluesky_url(rest)
        if found is None:
            raise InvalidInput(f"{rest!r} is not a Bluesky profile or list URL; use https://bsky.app/profile/HANDLE/lists/RKEY")
        return _bluesky_spec(found[0], found[1])
    actor, sep, tail = rest.partition("/")
    if not sep:
        return _bluesky_spec(actor, None)
    rkey = tail.removeprefix("lists/").strip("/")
    if not rkey or "/" in rkey:
        raise InvalidInput(f"bsky:{rest}: use bsky:HANDLE/lists/RKEY (the end of the list's bsky.app URL) or bsky:HANDLE")
    return _bluesky_spec(actor, rkey)


# -- Mastodon -----------------------------------------------------------------------------------------

def mastodon_shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
    """``mastodon:@user@host`` (a profile), ``mastodon:host/tags/TAG`` or ``mastodon:#tag@host``."""
    rest = rest.strip()
    m = re.match(r"^@?(?P<user>[A-Za-z0-9_]{1,64})@(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$", rest)
    if m:
        host = m.group("host").lower()
        return _spec(kind="mastodon", url=f"https://{host}/@{m.group('user')}.rss", name=f"@{m.group('user')}@{host}", section="posts")
    m = re.match(r"^#(?P<tag>[^\s@/]{1,100})@(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$", rest)
    if m:
        host = m.group("host").lower()
        return _mastodon_tag(host, m.group("tag"))
    url = rest if rest.startswith(("https://", "http://")) else "https://" + rest.lstrip("/")
    found = recognize_mastodon(url, explicit=True)
    if found is None:
        raise InvalidInput(f"mastodon:{rest}: use mastodon:@user@host, mastodon:#tag@host or a profile/tag URL")
    return found


def _mastodon_tag(host: str, tag: str) -> SourceSpec:
    tag = tag.lstrip("#")
    if not tag or any(c.isspace() for c in tag):
        raise InvalidInput(f"invalid hashtag {tag!r}")
    return _spec(kind="mastodon", url=f"https://{host}/tags/{quote(tag, safe='')}.rss", name=f"#{tag} on {host}", section="posts")


def recognize_mastodon(url: str, *, explicit: bool = False) -> SourceSpec | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.query:
        return None
    m = _MASTO_USER.match(parts.path)
    if m and (explicit or not _host_in(host, NOT_MASTODON)):
        netloc = parts.netloc.lower()
        return _spec(kind="mastodon", url=f"https://{netloc}/@{m.group('user')}.rss", name=f"@{m.group('user')}@{host}", section="posts")
    m = _MASTO_TAG.match(parts.path)
    if m and (explicit or _host_in(host, KNOWN_MASTODON)):
        return _mastodon_tag(parts.netloc.lower(), m.group("tag"))
    return None


# -- X ------------------------------------------------------------------------------------------------

def x_list_url(list_id: str) -> str:
    if not re.fullmatch(r"\d{1,25}", list_id.strip()):
        raise InvalidInput(f"{list_id!r} is not an X list id (digits); copy the list's URL, https://x.com/i/lists/ID")
    return f"https://x.com/i/lists/{list_id.strip()}"


def x_list_id(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _X_HOSTS:
        return None
    m = _X_LIST_PATH.match(parts.path)
    return m.group("id") if m else None


def _x_spec(list_id: str) -> SourceSpec:
    return _spec(kind="x", url=x_list_url(list_id), name=f"X list {list_id}", section="posts",
                 options={"max_posts": X_DEFAULT_MAX_POSTS, "interval_minutes": X_DEFAULT_INTERVAL_MINUTES})


def x_shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
    """``x:list/<id>`` or ``x:<list URL>``."""
    rest = rest.strip()
    if rest.startswith(("https://", "http://")):
        found = x_list_id(rest)
        if found is None:
            raise InvalidInput(_X_ONLY_LISTS)
        return _x_spec(found)
    return _x_spec(rest.removeprefix("list/").removeprefix("lists/"))


_X_ONLY_LISTS = ("feedhub reads X lists only (https://x.com/i/lists/ID, through the API with X_BEARER_TOKEN); "
                 "for one account use an RSS bridge (a Nitter or RSSHub URL) or put the account in a list")  # fmt: skip


# -- GitHub -------------------------------------------------------------------------------------------

def github_shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
    """``github:owner/name[@branch]`` (releases unless options say tags/commits), ``github:user`` (activity)."""
    from feedhub.sources.github import parse_spec

    owner, name, branch = parse_spec(rest)
    asked = (spec.options or {}).get("github_feed")
    if name is None and asked:
        raise InvalidInput(f"github:{rest} is a user's activity feed; --{asked} needs a repository (github:owner/name)")
    feed = str(asked or ("commits" if branch else "releases"))
    return _github_spec(owner, name, feed, branch)


def _github_spec(owner: str, name: str | None, feed: str, branch: str | None) -> SourceSpec:
    from feedhub.sources.github import feed_url

    url = feed_url(owner, name, feed, branch)
    if name is None:
        return _spec(kind="github", url=url, name=f"GitHub {owner} activity", section="code", options={"github_feed": "user"})
    label = f"{owner}/{name} {feed}" + (f" ({branch})" if branch else "")
    return _spec(kind="github", url=url, name=label, section="code", options={"github_feed": feed})


def recognize_github(url: str, feed: str | None) -> SourceSpec | None:
    from feedhub.links.repos import normalize_repo
    from feedhub.sources.github import classify_url

    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in ("github.com", "www.github.com"):
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
        from feedhub.sources.github import parse_spec

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


# -- plain URLs ---------------------------------------------------------------------------------------

SOCIAL_KINDS = ("github", "bluesky", "mastodon", "x", "bridge")


def recognize(url: str, kind: str | None = None, options: dict[str, Any] | None = None) -> SourceSpec | None:
    """The spec for a plain http(s) URL that is a GitHub, Bluesky, Mastodon, X or bridge source; None when
    it is none of them (an ordinary feed). ``kind`` is what the user forced with ``--kind`` (or None)."""
    options = options or {}
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    if kind in (None, "github"):
        found = recognize_github(url, options.get("github_feed"))  # type: ignore[arg-type]
        if found is not None:
            return found
    if kind in (None, "bluesky"):
        bsky = parse_bluesky_url(url)
        if bsky is not None:
            return _bluesky_spec(bsky[0], bsky[1])
    if kind in (None, "x"):
        list_id = x_list_id(url)
        if list_id is not None:
            return _x_spec(list_id)
        if host in _X_HOSTS and kind is None:
            raise InvalidInput(_X_ONLY_LISTS)
    if kind in (None, "mastodon"):
        found = recognize_mastodon(url, explicit=kind == "mastodon")
        if found is not None:
            return found
    if kind in (None, "bridge") and ("nitter" in host or "rsshub" in host or kind == "bridge"):
        return _spec(kind="bridge", url=url, name="", section="posts")
    return None

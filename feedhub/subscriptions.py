"""Adding, listing and changing sources (subscriptions). Used by `feedhub source ...` and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.store.models import SECTIONS, SOURCE_KINDS, Entry, Source


@dataclass
class SourceSpec:
    kind: str
    url: str
    name: str = ""
    section: str | None = None
    options: dict[str, object] | None = None


# Shorthands such as `arxiv:cs.LG` or `github:owner/name`: prefix -> function(rest, spec) -> SourceSpec.
SHORTHANDS: dict[str, Callable[[str, SourceSpec], SourceSpec]] = {}


def _arxiv_shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
    from feedhub.sources.arxiv import listing_url

    url = listing_url(rest)
    return SourceSpec(kind="arxiv", url=url, name=f"arXiv {url.rsplit('/', 1)[1]}", section="papers")


SHORTHANDS["arxiv"] = _arxiv_shorthand


def _social(name: str) -> Callable[[str, SourceSpec], SourceSpec]:
    def shorthand(rest: str, spec: SourceSpec) -> SourceSpec:
        from feedhub.social import urls

        return getattr(urls, name)(rest, spec)  # type: ignore[no-any-return]

    return shorthand


# github:owner/name[@branch] (releases; tags/commits via options), github:user, bsky:, mastodon:, x: (issue 4)
SHORTHANDS.update(github=_social("github_shorthand"), bsky=_social("bsky_shorthand"),
                  mastodon=_social("mastodon_shorthand"), x=_social("x_shorthand"))  # fmt: skip


def resolve_spec(url: str, *, name: str | None = None, section: str | None = None, kind: str | None = None,
                 options: dict[str, object] | None = None) -> SourceSpec:  # fmt: skip
    """Turn what the user typed into a source spec; a one-line InvalidInput when it cannot be a source."""
    url = url.strip()
    if section is not None and section not in SECTIONS:
        raise InvalidInput(f"unknown section {section!r}; use one of: {', '.join(SECTIONS)}")
    if kind is not None and kind not in SOURCE_KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; use one of: {', '.join(SOURCE_KINDS)}")
    prefix, sep, rest = url.partition(":")
    if sep and prefix.lower() in SHORTHANDS and not rest.startswith("//"):
        spec = SHORTHANDS[prefix.lower()](rest, SourceSpec(kind=kind or prefix.lower(), url=url, options=dict(options or {})))
    else:
        spec = SourceSpec(kind=kind or "rss", url=_check_url(url))
        if spec.kind == "rss" and _is_arxiv_listing(spec.url):  # a plain rss.arxiv.org URL is a listing
            spec.kind, spec.section = "arxiv", "papers"
            spec.name = spec.name or f"arXiv {spec.url.rstrip('/').rsplit('/', 1)[-1]}"
        elif kind in (None, "github", "bluesky", "mastodon", "x", "bridge"):  # GitHub, Bluesky, ... URLs
            from feedhub.social.urls import recognize

            spec = recognize(spec.url, kind, dict(options or {})) or spec
    if options:  # per-source settings (max_posts, ...): the user's override the defaults
        spec.options = {**(spec.options or {}), **options}
    if name:
        spec.name = name
    if section:
        spec.section = section
    return spec


def _is_arxiv_listing(url: str) -> bool:
    from feedhub.sources.arxiv import is_listing_url

    return is_listing_url(url)


def _check_url(url: str) -> str:
    if url.startswith("/") or url.startswith("./") or url.startswith("~"):
        path = Path(url).expanduser().resolve()
        if not path.exists():
            raise InvalidInput(f"no such file: {path}")
        return path.as_uri()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput(f"invalid URL {url!r}; give an http(s):// or file:// URL") from None
    if parts.scheme == "file":
        if not parts.path:
            raise InvalidInput(f"invalid file URL {url!r}; use file:///absolute/path")
        return url
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidInput(f"invalid URL {url!r}; give an http(s):// or file:// URL (or a shorthand like arxiv:cs.LG)")
    return url


def add_source(session: Session, spec: SourceSpec) -> tuple[Source, bool]:
    """Add ``spec``; returns (source, created). An existing URL is returned unchanged (not added twice)."""
    existing = session.scalar(select(Source).where(Source.url == spec.url))
    if existing is not None:
        return existing, False
    source = Source(
        kind=spec.kind,
        url=spec.url,
        name=spec.name or default_name(spec.url),
        section=spec.section,
        options=spec.options or {},
        enabled=True,
        weight=1.0,
        error_count=0,
    )
    session.add(source)
    session.flush()
    return source, True


def default_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.path).stem
    return (parts.hostname or url).removeprefix("www.")


def get_source(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise InvalidInput(f"no source with id {source_id}; `feedhub source list` shows the ids")
    return source


def list_sources(session: Session) -> list[tuple[Source, int]]:
    counts = dict(session.execute(select(Entry.source_id, func.count()).group_by(Entry.source_id)).all())
    return [(s, counts.get(s.id, 0)) for s in session.scalars(select(Source).order_by(Source.id))]


def remove_source(session: Session, source_id: int) -> Source:
    source = get_source(session, source_id)
    session.delete(source)
    return source


def set_enabled(session: Session, source_id: int, enabled: bool) -> Source:
    source = get_source(session, source_id)
    source.enabled = enabled
    if enabled:
        source.error_count = 0
        source.next_check_at = None
    return source


def set_source(session: Session, source_id: int, *, section: str | None = None, weight: float | None = None,
               clear_section: bool = False) -> Source:  # fmt: skip
    """Change how the digest treats a source: the section it feeds, its ranking weight."""
    source = get_source(session, source_id)
    if section is not None:
        if section not in SECTIONS:
            raise InvalidInput(f"unknown section {section!r}; use one of: {', '.join(SECTIONS)} (or --clear-section)")
        source.section = section
    elif clear_section:
        source.section = None
    if weight is not None:
        if not 0 <= weight <= 100 or weight != weight:
            raise InvalidInput(f"weight {weight} out of range; use 0 (never ranked up) to 100, 1 is the default")
        source.weight = float(weight)
    return source


def source_json(source: Source, entries: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "id": source.id,
        "kind": source.kind,
        "url": source.url,
        "name": source.name,
        "section": source.section,
        "weight": source.weight,
        "enabled": source.enabled,
        "error_count": source.error_count,
        "last_error": source.last_error,
        "last_warning": source.last_warning,
        "last_fetched_at": source.last_fetched_at.isoformat() if source.last_fetched_at else None,
        "next_check_at": source.next_check_at.isoformat() if source.next_check_at else None,
    }
    if entries is not None:
        data["entries"] = entries
    return data


STARTER_FILE = Path(__file__).resolve().parent / "data" / "starter.toml"


def starter_specs(path: Path | None = None) -> list[SourceSpec]:
    """The curated starter set (feedhub/data/starter.toml): arXiv listings, newsletters, lab blogs."""
    import tomllib

    path = path or STARTER_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read the starter set {path}: {exc}; fix the file") from None
    specs = []
    for i, item in enumerate(data.get("source", []), 1):
        if not isinstance(item, dict) or not item.get("url"):
            raise InvalidInput(f"starter set {path}: [[source]] number {i} has no url; fix the file")
        specs.append(resolve_spec(str(item["url"]), name=item.get("name"), section=item.get("section"), kind=item.get("kind")))
    return specs

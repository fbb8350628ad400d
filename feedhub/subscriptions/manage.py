"""Adding, listing and changing sources (subscriptions). Used by `feedhub source ...` and the demo."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedhub.errors import InvalidInput
from feedhub.sources import kinds
from feedhub.sources.base import SourceSpec
from feedhub.sources.kinds import SECTIONS
from feedhub.store.models import Entry, Source


def resolve_spec(url: str, *, name: str | None = None, section: str | None = None, kind: str | None = None,
                 options: dict[str, object] | None = None) -> SourceSpec:  # fmt: skip
    """Turn what the user typed into a source spec; a one-line InvalidInput when it cannot be a source.

    A shorthand (``arxiv:cs.LG``, ``github:owner/name``) goes to its kind; a plain URL is offered to each
    kind's recognizer in the table's order (only the forced kind's with ``--kind``); else it is a feed."""
    url = url.strip()
    options = dict(options or {})
    if section is not None and section not in SECTIONS:
        raise InvalidInput(f"unknown section {section!r}; use one of: {', '.join(SECTIONS)}")
    forced = kinds.kind(kind) if kind is not None else None
    prefix, sep, rest = url.partition(":")
    spec: SourceSpec | None = None
    if sep and prefix.lower() in kinds.SHORTHANDS and not rest.startswith("//"):
        owner = kinds.SHORTHANDS[prefix.lower()]
        spec = owner.function(owner.shorthands[prefix.lower()])(rest, options)
    else:
        checked = _check_url(url)
        if checked.startswith(("http://", "https://")):
            for k in ([forced] if forced else kinds.KINDS.values()):
                if k.recognizer:
                    spec = k.function(k.recognizer)(checked, forced is not None, options)
                    if spec is not None:
                        break
        spec = spec or SourceSpec(kind=forced.name if forced else "rss", url=checked)
    if forced is not None and spec.kind != forced.name and not (forced.name == "jsonfeed" and spec.kind == "rss"):
        raise InvalidInput(f"{url} is a {spec.kind} source, not {forced.name}; drop --kind")
    if forced is not None:
        spec.kind = forced.name
    accepted = kinds.KINDS[spec.kind].options
    for key, value in options.items():
        if key not in accepted:
            owners = [k for k in kinds.KINDS.values() if key in k.options]
            flag = owners[0].options[key].format(value=value) if owners else key
            where = " and ".join(k.label or f"{k.name} sources" for k in owners) or "no sources"
            raise InvalidInput(f"{flag} applies to {where} only; {spec.url} is a {spec.kind} source")
    if options:  # per-source settings (max_posts, ...): the user's override the defaults
        spec.options = {**(spec.options or {}), **options}
    if name:
        spec.name = clean_name(name)
    if section:
        spec.section = section
    elif spec.section is None:
        spec.section = kinds.KINDS[spec.kind].section
    return spec


MAX_NAME = 200


def clean_name(name: str) -> str:
    """A source's display name as stored: bytes that were not UTF-8 (argv keeps them as surrogates) become
    U+FFFD, control characters go, whitespace is one space, at most ``MAX_NAME`` characters."""
    from feedhub.links.text import terminal_text, xml_text

    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = " ".join(xml_text(terminal_text(text)).split())
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


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


def entry_count(session: Session, source_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Entry).where(Entry.source_id == source_id)) or 0)


def remove_source(session: Session, source_id: int) -> tuple[Source, int]:
    """Delete a source and its entries; returns the source and how many entries went with it."""
    source = get_source(session, source_id)
    count = entry_count(session, source_id)
    session.delete(source)
    return source, count


def set_enabled(session: Session, source_id: int, enabled: bool) -> Source:
    source = get_source(session, source_id)
    source.enabled = enabled
    if enabled:
        source.error_count = 0
        source.next_check_at = None
    return source


def set_source(session: Session, source_id: int, *, section: str | None = None, weight: float | None = None,
               clear_section: bool = False, name: str | None = None, url: str | None = None) -> Source:  # fmt: skip
    """Change a source: its name, its URL, the section it feeds, its ranking weight.

    A new URL starts the source afresh (no validators, no error back-off) and keeps its entries."""
    source = get_source(session, source_id)
    if name is not None:
        if not name.strip():
            raise InvalidInput("the name is empty; give --name 'Some name'")
        source.name = name.strip()
    if url is not None:
        checked = _check_url(url.strip())
        other = session.scalar(select(Source.id).where(Source.url == checked, Source.id != source_id))
        if other is not None:
            raise InvalidInput(f"{checked} is already source {other}; remove one of them (`feedhub source remove {other}`)")
        if checked != source.url:
            source.url = checked
            source.etag = source.last_modified = None
            source.error_count = 0
            source.last_error = None
            source.next_check_at = None
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


STARTER_FILE = Path(__file__).resolve().parents[1] / "data" / "starter.toml"


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

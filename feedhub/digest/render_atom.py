"""Atom: a feed of the last stored digests, so any feed reader can subscribe to the weekly digest."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any, Sequence

from feedhub import __version__
from feedhub.digest import i18n, render_html
from feedhub.digest.render_md import heading
from feedhub.links.text import xml_text

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 12


def _id(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "feedhub:" + "/".join(parts)).urn


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _folder(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/" if "/" in url.split("://", 1)[-1] else url.rstrip("/") + "/"


def render(digests: Sequence[tuple[dict[str, Any], datetime]], *, lang: str = "en", explain: bool = False,
           feed_url: str | None = None, install_id: str | None = None) -> str:  # fmt: skip
    """``digests``: (model, stored time) pairs, newest week first.

    ``feed_url``: where the feed is published (``rel="self"``); each week's page is expected beside it as
    ``WEEK.html`` (``rel="alternate"``). Ids are made from the feed URL, else from ``install_id`` (one per
    data dir), so two installs never share an entry id in one reader."""
    ET.register_namespace("", ATOM)
    scope = feed_url or install_id or ""
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = i18n.t(lang, "feed.title")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = _id(*([scope] if scope else []), "digests", lang)
    if feed_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml", "href": feed_url})
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": _folder(feed_url)})
    updated = max((when for _, when in digests), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _iso(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "feedhub"
    gen = ET.SubElement(feed, f"{{{ATOM}}}generator", {"version": __version__})
    gen.text = "feedhub"
    for model, when in digests:
        title, dates = heading(model)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = _id(*([scope] if scope else []), "digest", model["week"], model["tz"], model["lang"])
        if feed_url:
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": f"{_folder(feed_url)}{model['week']}.html"})
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(when)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _iso(datetime.fromisoformat(model["window"]["end"]))
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = dates
        content = ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"})
        content.text = render_html.body(model, explain=explain)  # escaped by ElementTree
    ET.indent(feed)
    # ElementTree writes control characters as they are; XML 1.0 forbids them (text stored before ingest cleaned them)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml_text(ET.tostring(feed, encoding="unicode")) + "\n"

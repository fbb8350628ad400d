"""Tracking redirects unwrapped to the URL they carry, where the wrapper carries it.

E-mail newsletters wrap every link in a click tracker. Some trackers carry the real URL readably: in a
query parameter (``?url=https%3A...``), as a base64 path segment (ConvertKit's
``click.convertkit-mail2.com/.../aHR0cHM6Ly9...``), as base64 JSON (Substack's
``substack.com/redirect/2/eyJlIjoi...``), or as zlib-compressed base64 of a query string (Mailgun's
``email.mg2.substack.com/c/eJx...``). Others (SendGrid's ``/ls/click?upn=``, beehiiv's ``/ss/c/``) are
opaque: those, and anything malformed, are kept exactly as given.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from urllib.parse import parse_qsl, unquote, urlsplit

from feedhub.links.urls import strip_tracking

MAX_DEPTH = 3
URL_PARAMS = ("url", "u", "l", "link", "redirect", "redirect_url", "redirect_uri", "target", "dest", "destination",
              "to", "goto", "r", "href", "e", "q")  # fmt: skip
_TRACKER_HOST = re.compile(
    r"(^|\.)(ct\.sendgrid\.net|list-manage\.com|mailchi\.mp|convertkit-mail\d*\.com|substack\.com|mailgun\.org|"
    r"beehiiv\.com|lnkd\.in|t\.co|bit\.ly|urldefense\.com|safelinks\.protection\.outlook\.com|google\.com|"
    r"facebook\.com|getrevue\.co|buttondown\.email|ghost\.io|mlsend\.com|sendibt\d*\.com|hubspotlinks\.com|"
    r"cmail\d*\.com|createsend\d*\.com|rs6\.net|awstrack\.me)$|^(click|clicks|email|e|elink|link|links|track|"
    r"trk|tracking|go|redirect|r|url\d*)\.",
    re.I,
)
_REDIRECT_PATH = re.compile(r"/(redirect|click|c|ls|l|r|track|t|out|link|url|ss)(/|$)", re.I)
_B64 = re.compile(r"^[A-Za-z0-9_\-+/=]{12,}$|^eyJ[A-Za-z0-9_\-=]+\.[A-Za-z0-9_\-.=]*$")


def looks_like_tracker(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return bool(_TRACKER_HOST.search(host)) or bool(host and _REDIRECT_PATH.search(parts.path))


def _http(value: str) -> str | None:
    value = value.strip()
    if value.lower().startswith(("http://", "https://")) and " " not in value and len(value) < 4000:
        try:
            if urlsplit(value).hostname:
                return value
        except ValueError:
            return None
    return None


def _b64(segment: str) -> bytes | None:
    token = segment.split(".", 1)[0] if segment.startswith("eyJ") else segment
    token += "=" * (-len(token) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            return decode(token)
        except (binascii.Error, ValueError):
            continue
    return None


def _from_text(text: str) -> str | None:
    """A URL in decoded wrapper text: the text itself, a JSON object's value, or a query parameter."""
    found = _http(text)
    if found:
        return found
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in URL_PARAMS:
                value = data.get(key)
                if isinstance(value, str) and _http(value):
                    return _http(value)
    if "=" in text and "&" in text:
        params = dict(parse_qsl(text, keep_blank_values=True))
        for key in URL_PARAMS:
            if key in params and _http(params[key]):
                return _http(params[key])
    return None


def _carried(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    params = parse_qsl(parts.query, keep_blank_values=True)
    for key in URL_PARAMS:
        for k, v in params:
            if k.lower() == key:
                found = _http(v) or _http(unquote(v))
                if found:
                    return found
    for segment in reversed([s for s in parts.path.split("/") if s]):
        if not _B64.match(segment):
            continue
        raw = _b64(segment)
        if raw is None:
            continue
        if raw[:1] == b"x":  # zlib header: Mailgun's compressed links
            try:
                raw = zlib.decompress(raw)
            except zlib.error:
                continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found = _from_text(text)
        if found:
            return found
    return None


def unwrap_redirect(url: str) -> str:
    """The URL a tracking redirect carries (followed through nested wrappers); ``url`` itself otherwise."""
    current = url
    for _ in range(MAX_DEPTH):
        if not looks_like_tracker(current):
            break
        found = _carried(current)
        if not found or found == current:
            break
        current = found
    return strip_tracking(current) if current != url else url

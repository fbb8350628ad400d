"""URL hygiene: tracking parameters out, one canonical form per page (for clustering stories)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url", "s_cid", "trk", "trkcampaign", "oly_anon_id",
        "oly_enc_id", "vero_id", "wickedid", "__s", "_ga", "_gl", "spm",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """Drop tracking query parameters (utm_*, fbclid, ...); everything else is kept as it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))


def canonical_url(url: str | None) -> str | None:
    """One form per page: https, no ``www.``, lower-case host, no fragment, no trailing slash,
    no tracking parameters, sorted query. arXiv abs/pdf/html and versions are the same paper."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if host.endswith("arxiv.org"):
        from feedhub.links.ids import find_arxiv_ids

        ids = find_arxiv_ids(url)
        if ids:
            return f"https://arxiv.org/abs/{ids[0]}"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k))
    return urlunsplit(("https", host, path, urlencode(query), ""))

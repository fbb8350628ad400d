"""HTML: one self-contained page (inline CSS, no scripts, no external requests), readable on a phone,
printable. Jinja2 autoescapes every value; links are http(s) only; summaries are plain text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from feedhub.digest import i18n
from feedhub.digest.build import safe_url
from feedhub.digest.render_md import authors_line, explain_line, heading, local_date

CSS = """
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fff;--card:#f6f7f9;--accent:#0b57d0;--rule:#dadce0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#a8adb3;--bg:#16181b;--card:#202328;--accent:#8ab4f8;--rule:#3c4043}}
*{box-sizing:border-box}
html:lang(ko){word-break:keep-all}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",sans-serif}
main{max-width:46rem;margin:0 auto;padding:1.25rem 1rem 3rem}
header h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0}
header p{margin:0;color:var(--muted)}
h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid var(--rule)}
ol.stories{list-style:none;margin:0;padding:0}
li.story{background:var(--card);border-radius:10px;padding:.8rem 1rem;margin:.6rem 0;break-inside:avoid}
.story h3{font-size:1.05rem;margin:0 0 .25rem;line-height:1.35;overflow-wrap:anywhere}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.summary{margin:.2rem 0;overflow-wrap:anywhere}
.meta,.paper,.explain,.empty,.why,.note,footer{color:var(--muted);font-size:.88rem;margin:.2rem 0;overflow-wrap:anywhere}
.repro{margin:.2rem 0 0;font-size:.88rem;color:var(--muted)}
.repro code{background:var(--bg);color:var(--fg);border:1px solid var(--rule);border-radius:4px;padding:0 .3rem;font-size:.85rem;white-space:nowrap}
.cat{font-size:.8rem;border:1px solid var(--rule);border-radius:4px;padding:0 .25rem;margin-left:.15rem;white-space:nowrap}
ul.also{padding-left:1.2rem}
ul.also li{margin:.25rem 0;overflow-wrap:anywhere}
footer{margin-top:2rem;border-top:1px solid var(--rule);padding-top:.6rem}
@media (max-width:480px){body{font-size:15px}main{padding:.8rem .7rem 2rem}li.story{padding:.7rem .75rem}}
@media print{:root{--fg:#000;--muted:#333;--bg:#fff;--card:#fff;--accent:#000}
 body{font-size:11pt}main{max-width:none;padding:0}li.story{border:1px solid #bbb;padding:.4rem .6rem;margin:.4rem 0}
 .story h3 a::after{content:" " attr(href);font-weight:normal;font-size:8pt;color:#555;overflow-wrap:anywhere}
 h2{break-after:avoid}.repro code{border:none;padding:0}}
"""

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<main>
{{ body }}
</main>
</body>
</html>
"""

BODY = """<header>
<h1>{{ title }}</h1>
<p>{{ dates }}</p>
</header>
{% if empty %}
<p class="empty" id="empty">{{ t('empty') }}</p>
{% else %}
{% for section in sections %}
<section id="{{ section.id }}" class="section" data-section="{{ section.id }}">
<h2>{{ section.title }}</h2>
{% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
{% if section.stories %}
<ol class="stories">
{% for s in section.stories %}
<li class="story" data-key="{{ s.key }}">
<h3>{% if s.href %}<a href="{{ s.href }}" rel="noopener noreferrer">{{ s.title }}</a>{% else %}{{ s.title }}{% endif %}</h3>
{% if s.summary %}<p class="summary">{{ s.summary }}</p>{% endif %}
<p class="meta">{% if s.date %}{{ s.date }}{% endif %}{% for l in s.source_links %}{% if loop.first %}{% if s.date %} · {% endif %}{% else %}, {% endif %}{% if l.url %}<a href="{{ l.url }}" rel="noopener noreferrer">{{ l.name }}</a>{% else %}{{ l.name }}{% endif %}{% endfor %}{% if s.mentions %} · {{ s.mentions }}{% endif %}</p>
{% if s.paper or s.code or s.related %}<p class="paper">
{% if s.paper %}{% if s.authors %}{{ s.authors }} · {% endif %}<a href="{{ s.paper.url }}" rel="noopener noreferrer">arXiv:{{ s.paper.arxiv_id }}</a>{% if s.pdf %} (<a href="{{ s.pdf }}" rel="noopener noreferrer">PDF</a>){% endif %}{% for c in s.categories %} <span class="cat">{{ c }}</span>{% endfor %}{% endif %}
{% for c in s.code %}{% if not loop.first or s.paper %} · {% endif %}{% if loop.first %}{{ t('code') }}: {% endif %}<a href="{{ c.href }}" rel="noopener noreferrer">{{ c.repo }}</a>{% if c.stars %} ★ {{ c.stars }}{% endif %}{% endfor %}
{% for r in s.related %}{% if not loop.first or s.paper or s.code %} · {% endif %}<a href="{{ r.url }}" rel="noopener noreferrer">arXiv:{{ r.arxiv_id }}</a> {{ r.title }}{% endfor %}
</p>{% endif %}
{% if s.repro %}<p class="repro">{{ t('reproduce') }}: {% for r in s.repro %}{% if not loop.first %} · {% endif %}<code>{{ r.command }}</code>{% if r.verdict %} ({{ t('verdict') }}: {{ r.verdict }}){% endif %}{% endfor %}</p>{% endif %}
{% if s.why or s.why_links %}<p class="why">{{ t('why') }}: {{ s.why }}{% if s.why_links %} — {% for w in s.why_links %}{% if not loop.first %}, {% endif %}{% if w.href %}<a href="{{ w.href }}" rel="noopener noreferrer">{{ w.label }}</a>{% else %}{{ w.label }}{% endif %}{% endfor %}{% endif %}</p>{% endif %}
{% if explain %}<p class="explain">{{ s.explain }}</p>{% endif %}
</li>
{% endfor %}
</ol>
{% elif not section.note %}
<p class="empty">{{ t('empty.section') }}</p>
{% endif %}
</section>
{% endfor %}
{% if also %}
<section id="also" class="section">
<h2>{{ t('also') }}</h2>
<ul class="also">
{% for s in also %}<li>{% if s.href %}<a href="{{ s.href }}" rel="noopener noreferrer">{{ s.title }}</a>{% else %}{{ s.title }}{% endif %}{% if s.sources %} <span class="meta">({{ s.sources }})</span>{% endif %}{% if explain %}<br><span class="explain">{{ s.explain }}</span>{% endif %}</li>
{% endfor %}
</ul>
</section>
{% endif %}
{% endif %}
<footer>{{ footer }}</footer>
"""


@lru_cache(maxsize=1)
def _env():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(PAGE), env.from_string(BODY)


def _view(model: dict[str, Any], story: dict[str, Any]) -> dict[str, Any]:
    lang = model["lang"]
    meta: list[str] = []
    when = local_date(model, story["published_at"])
    if when:
        meta.append(i18n.format_short_date(lang, when))
    if story["sources"]:
        meta.append(", ".join(story["sources"]))
    if story["mentions"] > 1:
        meta.append(i18n.mentions(lang, story["mentions"]))
    paper = story["paper"]
    return {
        "date": i18n.format_short_date(lang, when) if when else "",
        "source_links": story.get("source_links") or [{"name": n, "url": None} for n in story["sources"]],
        "mentions": i18n.mentions(lang, story["mentions"]) if story["mentions"] > 1 else "",
        "pdf": safe_url(paper.get("pdf")) if paper else None,
        "categories": list(paper.get("categories") or []) if paper else [],
        "key": story["key"],
        "title": story["title"],
        "href": safe_url(story["url"]),
        "summary": story["summary"],
        "meta": " · ".join(meta),
        "sources": ", ".join(story["sources"]),
        "paper": paper if paper and safe_url(paper["url"]) else None,
        "authors": authors_line(lang, paper) if paper else "",
        "code": [
            {"repo": c["repo"], "href": safe_url(c["url"]), "stars": i18n.number(lang, c["stars"]) if c["stars"] else ""}
            for c in story["code"]
            if safe_url(c["url"])
        ],
        "related": [r for r in story["related"] if safe_url(r["url"])],
        "repro": [{**r, "verdict": i18n.verdict(lang, r["verdict"]) if r["verdict"] else None} for r in story["repro"]],
        "explain": explain_line(lang, story),
        "why": story.get("why") or "",
        "why_links": [{"label": w["label"], "href": safe_url(w.get("url"))} for w in story.get("why_links") or []],
    }


def body(model: dict[str, Any], *, explain: bool = False) -> str:
    """The page's content without <html>: for the Atom feed and the e-mail."""
    lang = model["lang"]
    title, dates = heading(model)
    _, tmpl = _env()
    return tmpl.render(
        t=lambda key: i18n.t(lang, key),
        title=title,
        dates=dates,
        empty=not any(s["stories"] or s.get("note") for s in model["sections"]) and not model["also"],
        sections=[{"id": s["id"], "title": s["title"], "note": s.get("note") or "", "stories": [_view(model, x) for x in s["stories"]]}
                  for s in model["sections"]],
        also=[_view(model, x) for x in model["also"]],
        explain=explain,
        footer=i18n.footer(lang, model["total_stories"], model["tz"]),
    )


def render(model: dict[str, Any], *, explain: bool = False) -> str:
    from markupsafe import Markup

    page, _ = _env()
    title, _dates = heading(model)
    return page.render(lang=model["lang"], title=title, css=Markup(CSS), body=Markup(body(model, explain=explain)))

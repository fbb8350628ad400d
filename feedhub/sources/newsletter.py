"""Newsletter issues split into their items: section heading, linked title, the editor's blurb.

Most newsletters publish one feed item (or one e-mail) per issue: Substack, Buttondown, Ghost, beehiiv,
ConvertKit, Cooperpress, self-hosted weeklies. ``split_issue`` reads an issue's HTML (as stored, after
the sanitizer, or raw) or its Markdown into ``NewsletterItem``s, and ``clean_summary`` gives the text a
reader wants when the issue is one essay (no greeting, preheader padding, "view in browser",
sponsor or footer).

It is pure (text in, items out) and lives beside the parsers so that anything may call it; the digest
calls it at read time on stored entries, so a better splitter improves past weeks without a re-fetch
and nothing stored changes.

What counts as an item: a block (paragraph, list item, table cell, heading) that opens with a link
whose text reads as a title (``<a>Node.js 19 Released</a>``), a heading that is a link, or a short
title line followed by a link (``How programs are loaded<br><a>https://lwn.net/...</a>``); in an
issue that is plainly one (at least ``MIN_ITEMS`` of those, or a weekly whose paragraphs each carry a
link) a paragraph with an inline link is an item titled by its first sentence. Items under a sponsor
heading, items marked "sponsor", links that are boilerplate (unsubscribe, share, view online,
subscribe, app stores) and everything after the footer starts are dropped. Tracking redirects are
unwrapped where the wrapper carries the URL (``feedhub.links.redirects``); opaque ones are kept as given.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from feedhub.links.redirects import unwrap_redirect

MIN_ITEMS = 3
TITLE_MAX = 160
BLURB_MAX = 600
ESSAY_BLURB = 1200  # an item's text beyond this (median): the "issue" is an essay

_BLOCK = frozenset({"p", "li", "td", "th", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table",
                    "ul", "ol", "section", "article", "header", "footer", "dd", "dt", "pre", "figcaption", "center"})  # fmt: skip
_HEADING = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIP = frozenset({"script", "style", "title", "template", "svg"})  # not <head>: Outlook comments hide its end
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u034f\xad]+")
_BOILER_LINK = re.compile(
    r"unsubscribe|manage (your )?(subscription|preferences|email)|update (your )?preferences|email preferences|"
    r"view (this )?(email |it |post )?(online|in (your |a )?browser|on the web)|read (it )?(on the web|online|in browser)|"
    r"^view online|^read online|^web version|open in (the )?app|get the app|app store|google play|^subscribe|"
    r"subscribe (now|here|for free|to)|sign up|^share\b|^forward|^tweet\b|^like\b|^comment\b|^restack|^reply\b|"
    r"^upgrade|^donate|advertise with|sponsor (us|this)|^privacy|terms of (service|use)|^here$|^this$|^link$|"
    r"^(twitter|facebook|linkedin|instagram|youtube|mastodon|bluesky|threads|rss|email|website|home)$|"
    r"refer a friend|^leave a comment|^read more$|^continue reading|^[^\w]*listen\b|^watch\b|invite a friend|get (the )?app|"
    r"click to share|copy and paste this link|cancel your subscription|on twitter\)?$|^\(?share this|thanks for reading|"
    r"become a (paid )?(member|subscriber)|free trial|^read on\b|lire en ligne|transféré|désabonner|abonnez|en lire plus|"
    r"^send (us )?feedback|^give feedback|^reply to this|^join (us|now|the)|^follow (us|me)",
    re.I,
)
_BOILER_URL = re.compile(
    r"^mailto:|/unsubscribe|/subscribe\b|list-manage\.com/(profile|unsubscribe)|/intent/tweet|/sharer|"
    r"/share(Article|\?|/)|/(app-link|account|settings|preferences)\b|apps\.apple\.com|play\.google\.com|"
    r"/action/disable_email|unsubscribe\.|/manage\b|substack\.com/profile/|linkedin\.com/in/|"
    r"^https?://(www\.)?(twitter|x|instagram|facebook|threads)\.(com|net)/[^/?#]+/?$",
    re.I,
)
_SPONSOR = re.compile(r"\b(sponsor(ed)?( by| content| post)?|presented by|in partnership with|together with|"
                      r"brought to you by|partner(ed)? (content|post)|advertisement|paid (post|partnership))\b", re.I)  # fmt: skip
_BOILER_SECTION = re.compile(r"what('d| did) you think|feedback|rate (this|today)|how did we do|^share\b|refer|"
                             r"tell a friend|invite|jobs? board|^advertise|^about (this|the) newsletter", re.I)
_FOOTER = re.compile(
    r"\bunsubscribe\b|you (are )?receiv(ed|ing) this|no longer (want|wish) to receive|all rights reserved|"
    r"update your (email )?preferences|©\s*\d{4}|copyright \d{4}|you('re| are) (getting|on) this (email|list)|"
    r"why did i get this|manage (your )?subscription",
    re.I,
)
_BOILER_SENTENCE = re.compile(
    r"welcome to|thanks? (you )?for (reading|subscribing|being)|please (subscribe|share|forward)|subscribe (now|here|for free|to)|"
    r"if you (were|are) forwarded|forwarded (this|message)|view (this )?(email )?(online|in (your )?browser)|read (on the web|online)|"
    r"^-+ ?forwarded message|^from:|^to:|^date:|^subject:|sign up (here|now|for)|share this (post|email|newsletter)|"
    r"open in app|get the app|not a subscriber|^hi (there|everyone|friends|all)|^hello( there)?[,!]|^gm[,!]|^good morning",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")
_BULLET = re.compile(r"^[\s▶►•·\-–—*#>|:]+")
_LEAD_SEP = re.compile(r"^[\s—–\-:|·.,]+")
_TITLE_SEP = re.compile(r"^\s*([—–\-:|·(]|\.(\s|$))")
_ISSUE_TITLE = re.compile(r"\b(issue|weekly|newsletter|digest|roundup|round-up|week(s)? ending|this week|edition|#\s?\d+|no\.\s?\d+|vol\.?\s?\d+|"
                          r"last week in|import ai|the batch)\b", re.I)  # fmt: skip


@dataclass
class NewsletterItem:
    title: str
    url: str  # unwrapped where the wrapper carried the URL, else as given
    blurb: str = ""
    heading: str = ""  # the section heading it sits under ("" when none)
    links: list[str] = field(default_factory=list)  # every link of the item (unwrapped), its own first


@dataclass
class Issue:
    items: list[NewsletterItem]
    summary: str  # the issue's clean text (for an issue shown whole): no boilerplate
    structured: bool  # items were found; False: show the issue as one story with ``summary``


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass
class _Link:
    href: str
    text: str = ""
    start: int = 0  # offset of its text in the block's text


@dataclass
class _Block:
    tag: str
    text: str = ""
    links: list[_Link] = field(default_factory=list)
    heading: bool = False
    bold_chars: int = 0
    lines: list[str] = field(default_factory=list)  # text split at <br>


class _Blocks(HTMLParser):
    """The issue as a flat list of leaf blocks (text with its links), in reading order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._parts: list[str] = []
        self._links: list[_Link] = []
        self._open_link: _Link | None = None
        self._tags: list[str] = []
        self._skip = 0
        self._bold = 0
        self._bold_chars = 0
        self._heading = 0
        self._breaks: list[int] = []
        self._li = 0

    def _text(self) -> str:
        return "".join(self._parts)

    def _flush(self, tag: str) -> None:
        raw = self._text()
        text = _norm(raw)
        if text or self._links:
            lines = []
            prev = 0
            for cut in [*self._breaks, len(raw)]:
                line = _norm(raw[prev:cut])
                if line:
                    lines.append(line)
                prev = cut
            # link offsets in the normalized text
            links = []
            for link in self._links:
                lt = _norm(link.text)
                pos = text.find(lt) if lt else -1
                links.append(_Link(link.href, lt, pos if pos >= 0 else len(text)))
            self.blocks.append(_Block("li" if self._li else tag, text, links, heading=self._heading > 0 or tag in _HEADING,
                                      bold_chars=self._bold_chars, lines=lines))  # fmt: skip
        self._parts, self._links, self._bold_chars, self._breaks = [], [], 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip = 0  # a </head> hidden in an Outlook conditional comment must not hide the body
            return
        if tag in _SKIP:
            self._skip += 1
            return
        if tag in _BLOCK:
            self._flush(tag)
            if tag in _HEADING:
                self._heading += 1
            if tag == "li":
                self._li += 1
        elif tag == "br":
            self._breaks.append(len(self._text()))
        elif tag in ("b", "strong"):
            self._bold += 1
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), None)
            if href:
                self._open_link = _Link(href.strip())
                self._links.append(self._open_link)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag in _BLOCK:
            self._flush(tag)
            if tag in _HEADING:
                self._heading = max(0, self._heading - 1)
            if tag == "li":
                self._li = max(0, self._li - 1)
        elif tag in ("b", "strong"):
            self._bold = max(0, self._bold - 1)
        elif tag == "a":
            self._open_link = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._breaks.append(len(self._text()))

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._parts.append(data)
        if self._bold:
            self._bold_chars += len(_norm(data))
        if self._open_link is not None:
            self._open_link.text += data

    def close(self) -> None:
        super().close()
        self._flush("end")


_MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def _markdown_blocks(text: str) -> list[_Block]:
    text = _MD_FRONT.sub("", text.replace("\r\n", "\n"))
    blocks: list[_Block] = []
    para: list[str] = []

    def flush() -> None:
        if not para:
            return
        raw = re.sub(r"\*\*|__|`", "", " ".join(para))
        links: list[_Link] = []
        out = ""
        pos = 0
        for m in _MD_LINK.finditer(raw):
            out += raw[pos : m.start()]
            links.append(_Link(m.group(2), m.group(1), len(_norm(out))))
            out += m.group(1)
            pos = m.end()
        out += raw[pos:]
        plain = _norm(out)
        bold = len(plain) if re.fullmatch(r"\s*\*\*[^*]+\*\*:?\s*", " ".join(para)) else 0
        fixed = []
        for link in links:
            text = _norm(link.text)
            pos = plain.find(text, max(0, link.start - 2)) if text else -1
            fixed.append(_Link(link.href, text, pos if pos >= 0 else link.start))
        blocks.append(_Block("p", plain, fixed,
                             bold_chars=bold, lines=[plain]))  # fmt: skip
        para.clear()

    for line in text.split("\n"):
        m = _MD_HEADING.match(line)
        if m:
            flush()
            title = _norm(_MD_LINK.sub(lambda x: x.group(1), m.group(2)))
            links = [_Link(x.group(2), _norm(x.group(1)), 0) for x in _MD_LINK.finditer(m.group(2))]
            blocks.append(_Block(f"h{len(m.group(1))}", title, links, heading=True, lines=[title]))
        elif not line.strip():
            flush()
        elif re.match(r"^\s*([-*+]|\d+\.)\s+", line):
            flush()
            para.append(re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line))
            flush()
            blocks[-1].tag = "li"
        else:
            para.append(line.strip())
    flush()
    return blocks


def _is_boiler_link(link: _Link) -> bool:
    return bool(_BOILER_URL.search(link.href) or (link.text and _BOILER_LINK.search(link.text)))


def _is_url_text(text: str) -> bool:
    return text.lower().startswith(("http://", "https://", "www.")) or bool(re.fullmatch(r"[\w.-]+\.[a-z]{2,}(/\S*)?", text))


def _titleish(text: str) -> bool:
    words = text.split()
    return (2 <= len(words) <= 30 or (len(words) == 1 and "/" in text.strip("/"))) and len(text) <= TITLE_MAX and len(text) <= TITLE_MAX and not _is_url_text(text) and not _BOILER_LINK.search(text)


def _pseudo_heading(block: _Block) -> bool:
    """A section heading: an <h*> without a title link, or a short, all-bold or all-caps line of its own."""
    text = block.text.strip()
    if not text or len(text) > 80 or len(text.split()) > 10:
        return False
    if block.heading:
        return True
    if block.links and any(not _is_boiler_link(link) for link in block.links):
        return False
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 3 and all(c.isupper() for c in letters)
    return (block.bold_chars >= 0.8 * len(text.replace(" ", "")) and len(text) >= 3) or caps


def _http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _first_sentence(text: str) -> str:
    first = _SENTENCE.split(text, 1)[0]
    if len(first) > TITLE_MAX:
        first = first[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return first


def _clean_sentences(text: str) -> str:
    kept = [s for s in _SENTENCE.split(text) if s.strip() and not _BOILER_SENTENCE.search(s.strip())]
    return " ".join(kept).strip()


def _trim(text: str, limit: int = BLURB_MAX) -> str:
    text = _norm(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if end > limit // 3:
        return cut[: end + 1]
    return cut[: limit - 1].rsplit(" ", 1)[0] + "…"


def _candidate(block: _Block, inline_ok: bool) -> tuple[str, _Link, str] | None:
    """(title, link, blurb) when the block opens an item."""
    links = [link for link in block.links if _http(link.href) and not _is_boiler_link(link)]
    if not links:
        return None
    text = _BULLET.sub("", block.text)
    offset = len(block.text) - len(text)
    first = links[0]
    start = max(0, first.start - offset)
    # 1. the block opens with a title link (or is a heading that is a link)
    if first.text and _titleish(first.text) and (start <= 3 or block.heading):
        after = text[start + len(first.text) :]
        # a title link stands apart from its blurb ("<a>Title</a> — blurb"); one that runs on into its
        # sentence ("<a>The actual answer</a> is ...") is prose, not an item
        if not after.strip() or block.heading or block.tag == "li" or _TITLE_SEP.match(after) or len(block.lines) > 1 and block.lines[0].endswith(first.text):
            return first.text, first, _LEAD_SEP.sub("", after)
    # 2. a short title line, then the link (a URL as its text): "How programs are loaded<br>https://..."
    if block.lines and len(block.lines) >= 2 and _titleish(_BULLET.sub("", block.lines[0])) and not _is_url_text(block.lines[0]):
        head = _BULLET.sub("", block.lines[0])
        if first.start >= len(head) - 1 or _is_url_text(first.text):
            return head, first, " ".join(block.lines[1:])
    if _is_url_text(first.text) and start > 0:
        head = _LEAD_SEP.sub("", text[:start]).rstrip(" :—–-")
        if _titleish(head):
            return head, first, ""
    # 3. an inline link in a paragraph of a plain issue: titled by the paragraph's first sentence
    if inline_ok and len(text) >= 40:
        return _first_sentence(text), first, text
    return None


def split_blocks(blocks: list[_Block], *, title: str = "") -> Issue:
    # The footer starts at the first footer block in the last part of the issue.
    end = len(blocks)
    for i in range(len(blocks) - 1, max(-1, len(blocks) // 3 - 1), -1):
        if _FOOTER.search(blocks[i].text):
            end = i
    blocks = blocks[:end]
    plain_issue = bool(_ISSUE_TITLE.search(title))
    items: list[NewsletterItem] = []
    for inline_ok in (False, True):
        items = _items(blocks, inline_ok=inline_ok, title=title)
        if len(items) >= MIN_ITEMS or not plain_issue:
            break
    text_blocks = [b for b in blocks if b.text and not _pseudo_heading(b)]
    summary = _trim(_clean_sentences(" ".join(b.text for b in text_blocks if not _FOOTER.search(b.text))), BLURB_MAX)
    if len(items) < MIN_ITEMS or _essay(items):
        return Issue([], summary, False)
    return Issue(items, summary, True)


def _essay(items: list[NewsletterItem]) -> bool:
    """One essay with a few links, not an issue of items: its "items" carry long runs of text."""
    sizes = sorted(len(i.blurb) for i in items)
    return sizes[len(sizes) // 2] > ESSAY_BLURB


def _items(blocks: list[_Block], *, inline_ok: bool, title: str = "") -> list[NewsletterItem]:
    title_key = _norm(title).lower()
    items: list[NewsletterItem] = []
    heading = ""
    sponsor_section = False
    current: NewsletterItem | None = None
    seen: set[str] = set()
    for block in blocks:
        if not block.text and not block.links:
            continue
        cand = _candidate(block, inline_ok) if not (block.heading and not block.links) else None
        if cand is None and _pseudo_heading(block):
            heading = _BULLET.sub("", block.text).rstrip(":").strip()
            sponsor_section = bool(_SPONSOR.search(heading) or _BOILER_SECTION.search(heading))
            current = None
            continue
        if cand is not None:
            title, link, blurb = cand
            url = unwrap_redirect(link.href)
            sponsored = sponsor_section or bool(_SPONSOR.search(block.text[:200]))
            if sponsored or url in seen or (title_key and _norm(title).lower() == title_key):
                current = None
                continue
            seen.add(url)
            links = [url] + [u for u in (unwrap_redirect(x.href) for x in block.links if _http(x.href) and not _is_boiler_link(x)) if u != url]
            current = NewsletterItem(title=_norm(title), url=url, blurb=_clean_sentences(_norm(blurb)), heading=heading,
                                     links=list(dict.fromkeys(links)))  # fmt: skip
            items.append(current)
            continue
        if current is not None and block.text:
            if _SPONSOR.search(block.text[:120]) and len(block.text) < 120:
                items.remove(current)  # "Memetria sponsor": the item was an advertisement
                current = None
                continue
            extra = _clean_sentences(block.text)
            if extra and len(current.blurb) <= ESSAY_BLURB and not _is_author_line(block.text):
                current.blurb = _norm(f"{current.blurb} {extra}")
            for x in block.links:
                if _http(x.href) and not _is_boiler_link(x):
                    u = unwrap_redirect(x.href)
                    if u not in current.links:
                        current.links.append(u)
    for item in items:
        item.blurb = _trim(item.blurb)
    return items


def _is_author_line(text: str) -> bool:
    """Cooperpress's byline under an item ("Liran Tal (Snyk)"): short, no sentence."""
    return len(text) < 50 and not re.search(r"[.!?]", text)


def looks_like_markdown(text: str) -> bool:
    return "<" not in text[:2000] and bool(_MD_LINK.search(text) or re.search(r"^#{1,6} ", text, re.M))


def split_issue(text: str, *, title: str = "") -> Issue:
    """An issue's items (``structured``) or, when it has no item structure, its clean ``summary``.
    ``title``: the issue's own title, a hint that it is an issue (``Week Ending May 24``, ``#459``)."""
    if not text or not text.strip():
        return Issue([], "", False)
    if looks_like_markdown(text):
        blocks = _markdown_blocks(text)
    else:
        parser = _Blocks()
        try:
            parser.feed(text)
            parser.close()
        except (AssertionError, ValueError):
            return Issue([], _norm(html.unescape(re.sub(r"<[^>]+>", " ", text)))[:BLURB_MAX], False)
        blocks = parser.blocks
    return split_blocks(blocks, title=title)


def clean_summary(text: str, *, title: str = "") -> str:
    """The text of an issue (or any long entry) without greeting, padding, sponsor or footer."""
    return split_issue(text, title=title).summary

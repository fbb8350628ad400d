"""Sanitizing: allow-list, rel on links, tracking parameters and pixels removed, titles as plain text."""

from __future__ import annotations

import pytest

from feedhub.links.html import excerpt, plain_text, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "must_not_contain"),
    [
        ("<script>alert(1)</script><p>ok</p>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "avascript"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style"),
        ("<iframe src=https://evil.example></iframe>", "iframe"),
        ('<svg onload="alert(1)"><circle/></svg>', "onload"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ("<style>body{display:none}</style>text", "display"),
        ('<form action="https://evil.example"><input name=a></form>', "<form"),
    ],
)
def test_dangerous_markup_is_removed(dirty: str, must_not_contain: str) -> None:
    assert must_not_contain.lower() not in sanitize_html(dirty).lower()


def test_links_get_rel_and_lose_tracking_parameters() -> None:
    out = sanitize_html('<a href="https://example.org/p?id=3&utm_source=nl&fbclid=abc">read</a>')
    assert 'href="https://example.org/p?id=3"' in out
    assert 'rel="noopener noreferrer"' in out


def test_tracking_pixels_are_dropped_but_images_kept() -> None:
    out = sanitize_html('<p>a<img src="https://t.example/o.gif" width="1" height="1"><img src="https://x.example/fig.png" width="300"></p>')
    assert "o.gif" not in out
    assert "fig.png" in out


def test_allowed_markup_survives() -> None:
    html = "<p><b>bold</b> <em>it</em> <code>x</code></p><ul><li>one</li></ul><pre>y</pre>"
    assert sanitize_html(html) == html


def test_plain_text_titles() -> None:
    assert plain_text("<b>Deep</b> &amp; <i>wide</i>\n  nets") == "Deep & wide nets"
    assert plain_text("<script>alert(1)</script>Title") == "Title"
    assert plain_text(None) == ""
    assert plain_text("<p>One.</p><p>Two.</p><ul><li>a</li><li>b</li></ul>") == "One. Two. a b"


def test_excerpt_cuts_at_a_word() -> None:
    text = excerpt("<p>" + "word " * 100 + "</p>", limit=50)
    assert len(text) <= 50 and text.endswith("…") and "wor…" not in text

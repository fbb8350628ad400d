"""One bad byte in a feed spoils that byte only: the rest is decoded as the feed declares (issue 18, item 6)."""

from __future__ import annotations

import pytest

from feedhub.sources import parse

TITLE = "딥러닝 논문 리뷰"


def _feed(encoding: str | None, title: bytes) -> bytes:
    decl = f' encoding="{encoding}"' if encoding else ""
    return (f'<?xml version="1.0"{decl}?><rss version="2.0"><channel><title>'.encode() + title
            + b"</title><item><guid>1</guid><title>" + title + b"</title></item></channel></rss>")


@pytest.mark.parametrize(("encoding", "headers"), [
    ("utf-8", None), (None, None), ("utf-8", {"content-type": "application/rss+xml; charset=utf-8"}),
    ("euc-kr", None),
])
def test_one_invalid_byte_is_replaced_and_the_rest_kept(encoding: str | None, headers: dict[str, str] | None) -> None:
    raw = TITLE.encode(encoding or "utf-8")
    bad = raw[:6] + b"\xff" + raw[6:]  # one byte no encoding here accepts, between two whole characters
    feed = parse("rss", _feed(encoding, bad), headers)
    cut = 2 if encoding != "euc-kr" else 3  # six bytes: two Hangul syllables in UTF-8, three in EUC-KR
    assert feed.entries[0].title == TITLE[:cut] + "\ufffd" + TITLE[cut:]
    assert feed.title == feed.entries[0].title
    assert feed.warning and "2 invalid" in feed.warning  # the feed title and the item title


def test_a_clean_feed_is_not_touched() -> None:
    feed = parse("rss", _feed("utf-8", TITLE.encode()))
    assert (feed.entries[0].title, feed.warning) == (TITLE, None)

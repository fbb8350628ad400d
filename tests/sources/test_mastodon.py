"""Mastodon profile and hashtag RSS (as Mastodon renders them: no titles, HTML descriptions)."""

from __future__ import annotations

import pytest

from feedhub.errors import InvalidInput
from feedhub.sources import parse
from feedhub.subscriptions.manage import resolve_spec

PROFILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Ada Example</title>
    <description>Public posts from @ada@sigmoid.social</description>
    <link>https://sigmoid.social/@ada</link>
    <lastBuildDate>Tue, 20 Feb 2018 10:00:00 +0000</lastBuildDate>
    <item>
      <guid isPermaLink="true">https://sigmoid.social/@ada/99551234567890123</guid>
      <link>https://sigmoid.social/@ada/99551234567890123</link>
      <pubDate>Mon, 19 Feb 2018 15:02:00 +0000</pubDate>
      <description>&lt;p&gt;ENAS, one GPU, under a day &lt;a href="https://arxiv.org/abs/1802.03268" rel="nofollow noopener" target="_blank"&gt;&lt;span class="invisible"&gt;https://&lt;/span&gt;&lt;span class="ellipsis"&gt;arxiv.org/abs/1802.0&lt;/span&gt;&lt;span class="invisible"&gt;3268&lt;/span&gt;&lt;/a&gt; with &lt;span class="h-card"&gt;&lt;a href="https://sigmoid.social/@lin" class="u-url mention"&gt;@&lt;span&gt;lin&lt;/span&gt;&lt;/a&gt;&lt;/span&gt; &lt;a href="https://sigmoid.social/tags/ml" class="mention hashtag" rel="tag"&gt;#&lt;span&gt;ml&lt;/span&gt;&lt;/a&gt;&lt;/p&gt;</description>
      <category>ml</category>
    </item>
  </channel>
</rss>"""

TAG = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>#ml</title><description>Public posts tagged #ml</description>
<link>https://sigmoid.social/tags/ml</link>
<item><guid isPermaLink="true">https://sigmoid.social/@sam/99551234567890999</guid><link>https://sigmoid.social/@sam/99551234567890999</link>
<pubDate>Tue, 20 Feb 2018 15:02:00 +0000</pubDate><description>&lt;p&gt;MCTSnets &lt;a href="https://arxiv.org/abs/1802.04697"&gt;arxiv.org/abs/1802.04697&lt;/a&gt;&lt;/p&gt;</description></item>
</channel></rss>"""


def test_profile_feed() -> None:
    (e,) = parse("mastodon", PROFILE).entries
    assert e.title.startswith("ENAS, one GPU, under a day") and not e.title_is_html
    assert e.extra["links"] == ["https://arxiv.org/abs/1802.03268"]  # the mention and the hashtag are not outbound links
    assert e.extra["mastodon"] == {"feed": "profile", "account": "@ada@sigmoid.social"}
    assert e.authors == ["Ada Example"] and e.tags == ["ml"]
    assert e.guid == "https://sigmoid.social/@ada/99551234567890123"


def test_tag_feed_names_each_author() -> None:
    (e,) = parse("mastodon", TAG).entries
    assert e.extra["mastodon"] == {"feed": "tag", "account": "@sam@sigmoid.social"}
    assert e.authors == ["@sam@sigmoid.social"]


@pytest.mark.parametrize(
    ("typed", "kind", "url"),
    [
        ("https://sigmoid.social/@ada", "mastodon", "https://sigmoid.social/@ada.rss"),
        ("https://sigmoid.social/@ada/", "mastodon", "https://sigmoid.social/@ada.rss"),
        ("https://sigmoid.social/@ada.rss", "mastodon", "https://sigmoid.social/@ada.rss"),
        ("https://Mastodon.Social/tags/MachineLearning", "mastodon", "https://mastodon.social/tags/MachineLearning.rss"),
        ("mastodon:@ada@sigmoid.social", "mastodon", "https://sigmoid.social/@ada.rss"),
        ("mastodon:ada@sigmoid.social", "mastodon", "https://sigmoid.social/@ada.rss"),
        ("mastodon:#ml@sigmoid.social", "mastodon", "https://sigmoid.social/tags/ml.rss"),
        ("mastodon:https://my.instance.example/tags/nlp", "mastodon", "https://my.instance.example/tags/nlp.rss"),
        # not Mastodon: /@name elsewhere, and /tags/ pages of unknown hosts stay ordinary feeds
        ("https://medium.com/@someone", "rss", "https://medium.com/@someone"),
        ("https://www.youtube.com/@channel", "rss", "https://www.youtube.com/@channel"),
        ("https://blog.example.org/tags/ml", "rss", "https://blog.example.org/tags/ml"),
    ],
)
def test_mastodon_specs(typed: str, kind: str, url: str) -> None:
    spec = resolve_spec(typed)
    assert (spec.kind, spec.url) == (kind, url)


def test_forced_kind_converts_tag_pages() -> None:
    spec = resolve_spec("https://my.instance.example/tags/nlp", kind="mastodon")
    assert (spec.kind, spec.url) == ("mastodon", "https://my.instance.example/tags/nlp.rss")


@pytest.mark.parametrize("typed", ["mastodon:", "mastodon:@ada", "mastodon:#bad tag@host.example", "mastodon:https://example.org/about"])
def test_mastodon_bad_specs(typed: str) -> None:
    with pytest.raises(InvalidInput):
        resolve_spec(typed)


def test_shortened_link_text_is_replaced_by_the_full_url() -> None:
    body = PROFILE.replace(b"https://arxiv.org/abs/1802.03268", b"https://github.com/carpedm20/ENAS-pytorch").replace(
        b"arxiv.org/abs/1802.0&lt;", b"github.com/carpedm20/ENAS&lt;").replace(b"3268&lt;/span", b"-pytorch&lt;/span")
    (e,) = parse("mastodon", body).entries
    from feedhub.links.repos import find_repos

    assert find_repos(e.summary) == ["carpedm20/enas-pytorch"]  # not "carpedm20/enas" from the visible part
    assert ">@<span>lin</span></a>" in e.summary  # mentions keep their markup

"""GitHub Atom feeds (releases, tags, commits, user activity) and the github: shorthands."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedhub.errors import InvalidInput, NotAFeed
from feedhub.sources import parse
from feedhub.sources.github import classify_url, feed_url, parse_spec
from feedhub.subscriptions.manage import resolve_spec

SAMPLE = Path(__file__).resolve().parents[2] / "feedhub" / "data" / "sample" / "github-releases.atom"

TAGS_ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en-US">
  <id>tag:github.com,2008:https://github.com/carpedm20/ENAS-pytorch/tags</id>
  <link type="text/html" rel="alternate" href="https://github.com/carpedm20/ENAS-pytorch/tags"/>
  <link type="application/atom+xml" rel="self" href="https://github.com/carpedm20/ENAS-pytorch/tags.atom"/>
  <title>Tags from ENAS-pytorch</title>
  <updated>2018-02-21T10:00:00Z</updated>
  <entry>
    <id>tag:github.com,2008:Repository/121740432/v0.1</id>
    <updated>2018-02-21T10:00:00Z</updated>
    <link rel="alternate" type="text/html" href="https://github.com/carpedm20/ENAS-pytorch/releases/tag/v0.1"/>
    <title>v0.1</title>
    <content type="html">&lt;p&gt;PyTorch ENAS, arXiv:1802.03268&lt;/p&gt;</content>
    <author><name>carpedm20</name></author>
  </entry>
</feed>"""

USER_ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en-US">
  <id>tag:github.com,2008:/karpathy</id>
  <link type="text/html" rel="alternate" href="https://github.com/karpathy"/>
  <link type="application/atom+xml" rel="self" href="https://github.com/karpathy.atom"/>
  <title>karpathy&#39;s Activity</title>
  <updated>2024-03-08T03:15:07Z</updated>
  <entry>
    <id>tag:github.com,2008:PushEvent/36538245720</id>
    <published>2024-03-08T03:15:07Z</published>
    <updated>2024-03-08T03:15:07Z</updated>
    <link type="text/html" rel="alternate" href="https://github.com/karpathy/minbpe/compare/abc...def"/>
    <title type="html">karpathy pushed minbpe</title>
    <author><name>karpathy</name><uri>https://github.com/karpathy</uri></author>
    <content type="html">&lt;p&gt;1 commit&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:github.com,2008:WatchEvent/36538245721</id>
    <published>2024-03-07T03:15:07Z</published>
    <updated>2024-03-07T03:15:07Z</updated>
    <link type="text/html" rel="alternate" href="https://github.com/features"/>
    <title type="html">karpathy starred something</title>
    <author><name>karpathy</name></author>
    <content type="html"></content>
  </entry>
</feed>"""


def test_commits_corpus(corpora: Path) -> None:
    feed = parse("github", (corpora / "github" / "commits_xobjectz_objx_master_2024-03.atom").read_bytes())
    assert feed.extra["github_feed"] == "commits"
    assert len(feed.entries) == 20
    first = feed.entries[0]
    assert first.title == "lintify"  # the padding around commit titles is gone
    assert first.guid == "tag:github.com,2008:Grit::Commit/935d09c548b9d00c9ddf5e1c542e3ae87a64ad58"
    assert first.extra["github"] == {"feed": "commits", "repo": "xobjectz/objx", "ref": "935d09c548b9d00c9ddf5e1c542e3ae87a64ad58"}
    assert first.published is not None and first.published.isoformat() == "2024-03-08T03:15:07+00:00"
    assert all(e.title == e.title.strip() and "\n" not in e.title for e in feed.entries)
    assert any("'" in e.title for e in feed.entries)  # &#39; decoded


def test_releases_corpus(corpora: Path) -> None:
    feed = parse("github", (corpora / "github" / "releases_microsoft_PowerToys_2025-10_trimmed.atom").read_bytes())
    assert feed.extra["github_feed"] == "releases"
    assert [(e.title, e.extra["github"]["ref"], e.extra["github"]["repo"]) for e in feed.entries] == [
        ("Release 0.95.1", "v0.95.1", "microsoft/powertoys"),
        ("Release v0.95.0", "v0.95.0", "microsoft/powertoys"),
    ]
    assert "stability issues" in feed.entries[0].summary


def test_tags_and_user_activity() -> None:
    tags = parse("github", TAGS_ATOM)
    assert tags.extra["github_feed"] == "tags"
    assert tags.entries[0].extra["github"] == {"feed": "tags", "repo": "carpedm20/enas-pytorch", "ref": "v0.1"}
    user = parse("github", USER_ATOM)
    assert user.extra["github_feed"] == "user"
    assert user.entries[0].extra["github"] == {"feed": "user", "repo": "karpathy/minbpe"}
    assert user.entries[1].extra["github"] == {"feed": "user"}  # github.com/features is not a repository


def test_bundled_sample_feed_parses() -> None:
    feed = parse("github", SAMPLE.read_bytes())
    assert feed.entries and all(e.extra["github"]["feed"] == "releases" and e.extra["github"].get("repo") for e in feed.entries)


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body>Not found</body></html>", b"{}"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse("github", body)


@pytest.mark.parametrize(
    ("typed", "options", "kind", "url", "feed"),
    [
        ("github:pytorch/pytorch", None, "github", "https://github.com/pytorch/pytorch/releases.atom", "releases"),
        ("github:pytorch/pytorch", {"github_feed": "releases"}, "github", "https://github.com/pytorch/pytorch/releases.atom", "releases"),
        ("github:pytorch/pytorch", {"github_feed": "tags"}, "github", "https://github.com/pytorch/pytorch/tags.atom", "tags"),
        ("github:pytorch/pytorch", {"github_feed": "commits"}, "github", "https://github.com/pytorch/pytorch/commits.atom", "commits"),
        ("github:pytorch/pytorch@release/2.1", None, "github", "https://github.com/pytorch/pytorch/commits/release/2.1.atom", "commits"),
        ("github:karpathy", None, "github", "https://github.com/karpathy.atom", "user"),
        ("GitHub:huggingface/transformers.git", None, "github", "https://github.com/huggingface/transformers/releases.atom", "releases"),
        ("github:https://github.com/openai/gpt-2/tree/master", None, "github", "https://github.com/openai/gpt-2/releases.atom", "releases"),
        ("https://github.com/pytorch/pytorch", None, "github", "https://github.com/pytorch/pytorch/releases.atom", "releases"),
        ("https://github.com/pytorch/pytorch", {"github_feed": "tags"}, "github", "https://github.com/pytorch/pytorch/tags.atom", "tags"),
        ("https://github.com/pytorch/pytorch/commits/main", None, "github", "https://github.com/pytorch/pytorch/commits/main.atom", "commits"),
        ("https://github.com/pytorch/pytorch/tags.atom", None, "github", "https://github.com/pytorch/pytorch/tags.atom", "tags"),
        ("https://github.com/karpathy", None, "github", "https://github.com/karpathy.atom", "user"),
        ("https://github.com/karpathy.atom", None, "github", "https://github.com/karpathy.atom", "user"),
    ],
)
def test_github_specs(typed: str, options: dict | None, kind: str, url: str, feed: str) -> None:
    spec = resolve_spec(typed, options=options)
    assert (spec.kind, spec.url, spec.section) == (kind, url, "code")
    assert spec.options and spec.options["github_feed"] == feed


@pytest.mark.parametrize(
    ("typed", "options", "needle"),
    [
        ("github:", None, "not a GitHub repository"),
        ("github:a/b/c", None, "not a GitHub repository"),
        ("github:bad name/x", None, "not a GitHub repository"),
        ("github:-leading/x", None, "not a GitHub repository"),
        ("github:features", None, "not a GitHub repository"),  # GitHub's own page, not a user
        ("github:owner/.hidden", None, "not a GitHub repository"),
        ("github:karpathy", {"github_feed": "tags"}, "needs a repository"),
        ("github:pytorch/pytorch@", None, "invalid branch"),
        ("github:pytorch/pytorch@a..b", None, "invalid branch"),
        ("github:pytorch/pytorch@main", {"github_feed": "tags"}, "only applies to --commits"),
        ("https://github.com/pytorch/pytorch/tags.atom", {"github_feed": "releases"}, "is the tags feed"),
    ],
)
def test_github_bad_specs(typed: str, options: dict | None, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        resolve_spec(typed, options=options)


def test_feed_url_and_classify_roundtrip() -> None:
    for feed in ("releases", "tags", "commits"):
        url = feed_url("Owner", "Repo", feed)
        assert classify_url(url) == {"repo": "owner/repo", "feed": feed, "branch": None}
    assert classify_url("https://github.com/o/r/commits/dev.atom") == {"repo": "o/r", "feed": "commits", "branch": "dev"}
    assert classify_url("https://example.org/o/r/releases.atom") is None
    assert parse_spec("someone") == ("someone", None, None)

"""One rule per concept, used everywhere: the cases that had two answers before the house issue, each
with its one right answer, seen where the user sees them (the CLI, the digest's story keys, the query)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedhub.digest.stories import github_repo
from feedhub.links.ids import arxiv_key
from feedhub.links.repos import normalize_repo
from feedhub.search.query import Filter, parse_query
from tests.cli.test_cli import assert_one_line_error, feedhub


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("cs.LG/0601001", "cs/0601001"),  # the subject class is not part of an old-style id
        ("cs/0601001v2", "cs/0601001"),
        ("arXiv:1706.03762v5", "1706.03762"),
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("1813.01234", None),  # month 13
        ("9999.99999", None),  # month 99
        ("1802.0326", None),  # four digits after the dot in 2018
    ],
)
def test_arxiv_keys_are_one_rule(typed: str, key: str | None) -> None:
    assert arxiv_key(typed) == key
    if key:  # the search filter reads the id with the same rule
        assert parse_query(f"id:{typed}").root.nodes == (Filter(name="id", value=f"p:{key}"),)


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/readme/guides", None),  # GitHub's own pages are not repositories
        ("https://github.com/features/copilot", None),
        ("https://github.com/orgs/pytorch", None),
        ("https://github.com/carpedm20/ENAS-pytorch", "carpedm20/enas-pytorch"),
        ("https://github.com/carpedm20/ENAS-pytorch/tree/master/models", "carpedm20/enas-pytorch"),
        ("https://github.com/allenai/bilm-tf.git", "allenai/bilm-tf"),
        ("https://gitlab.com/a/b", None),
    ],
)
def test_the_digest_asks_links_what_a_repository_is(url: str, repo: str | None) -> None:
    assert github_repo(url) == repo
    if repo is not None:
        assert normalize_repo(url) == repo


def test_paper_save_and_show_agree_on_old_style_ids(home: Path) -> None:
    saved = feedhub(home, "paper", "save", "cs.LG/0601001")
    assert saved.returncode == 0, saved.stderr
    shown = feedhub(home, "paper", "show", "cs.LG/0601001", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["arxiv_id"] == "cs/0601001"
    listed = json.loads(feedhub(home, "saved", "--json").stdout)
    assert [p["id"] for p in listed] == ["cs/0601001"]


@pytest.mark.parametrize("bad", ["1813.01234", "9999.99999"])
def test_paper_save_refuses_impossible_ids(home: Path, bad: str) -> None:
    assert_one_line_error(feedhub(home, "paper", "save", bad), "is not an arXiv id")
    assert json.loads(feedhub(home, "saved", "--json").stdout) == []


def test_a_fresh_store_shows_reproductions_without_listing_them_first(tmp_path: Path, home: Path) -> None:
    # Derived, not synced by a side effect: no `repro list`, no `demo`. A post mentions Adam; the next
    # command that opens the store links the paper to its reproduction.
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Lab</title>'
                    "<item><title>Why Adam works</title><guid>p1</guid><link>https://lab.example/adam</link>"
                    "<description>A look at https://arxiv.org/abs/1412.6980 and its bias correction.</description>"
                    "<pubDate>Tue, 20 Feb 2018 10:00:00 GMT</pubDate></item></channel></rss>")
    assert feedhub(home, "source", "add", str(feed)).returncode == 0
    assert feedhub(home, "fetch").returncode == 0
    shown = feedhub(home, "paper", "show", "1412.6980", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "adam" in [r["name"] for r in json.loads(shown.stdout)["reproductions"]]
    digest = json.loads(feedhub(home, "digest", "--week", "2018-W08", "--format", "json").stdout)
    assert '"adam"' in json.dumps(digest), digest

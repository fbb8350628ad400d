"""One person on several networks counts once (issue 14): config.toml's [people] maps a person to their
handles, and the digest's score, why-line and --explain name them once. As a user sees it: the CLI's
Markdown with --explain, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedhub.cli.main import app
from feedhub.store.db import session_factory
from feedhub.store.models import Digest, Entry
from tests.digest.digestutil import Store, at, entry

POST = "https://karpathy.github.io/2018/02/20/software-2/"
PEOPLE = """
[people."Andrej Karpathy"]
# every spelling differs from what the feeds carry: case, @, http/www/trailing slash, a profile URL
handles = ["x:@KARPATHY", "https://bsky.app/profile/Karpathy.bsky.social/", "mastodon:@karpathy@Sigmoid.Social",
           "http://www.karpathy.github.io/"]

[people."Someone Else"]
handles = ["bsky:else.bsky.social", "name:Jane Q. Writer"]
"""


def fill(store: Store) -> None:
    """Karpathy's blog post, and Karpathy sharing it on X, Bluesky and Mastodon; one other person shares it too."""
    blog = store.source("Karpathy's blog", url="https://karpathy.github.io/feed.xml")
    store.feed(blog, entry("Software 2.0", POST, "<p>Neural networks are not just another classifier. A long essay.</p>", when=at(19)))
    x = store.source("X list", kind="x", section="posts")
    store.feed(x, entry("", "https://x.com/karpathy/status/1", f'<p>new post <a href="{POST}">{POST}</a></p>', when=at(20, 9),
                        guid="x1", authors=("Andrej Karpathy (@karpathy)",)))  # fmt: skip
    bsky = store.source("Bluesky list", kind="bluesky", section="posts")
    link = "http://karpathy.github.io/2018/02/20/software-2"
    store.feed(bsky, entry("", "https://bsky.app/profile/karpathy.bsky.social/post/2", f'<p>wrote this <a href="{link}">{link}</a></p>',
                           when=at(20, 10), guid="b2", authors=("Andrej Karpathy (@Karpathy.bsky.social)",)),
               entry("", "https://bsky.app/profile/someone.bsky.social/post/3", f'<p>must read <a href="{POST}">{POST}</a></p>',
                     when=at(20, 11), guid="b3", authors=("Some One (@someone.bsky.social)",)))  # fmt: skip
    masto = store.source("Mastodon", kind="mastodon", section="posts")
    store.feed(masto, entry("", "https://sigmoid.social/@karpathy/4", f'<p><a href="{POST}">{POST}</a></p>', when=at(20, 12),
                            guid="m4", authors=("@karpathy@sigmoid.social",)))  # fmt: skip


def cli(*args: str) -> str:
    done = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


def story_lines(md: str, title: str) -> str:
    """The story's item in the Markdown: its title line and the indented lines under it."""
    m = re.search(rf"^\d+\. .*{re.escape(title)}.*\n((?:   .*\n)*)", md, re.M)
    assert m, md
    return m.group(0)


@pytest.fixture()
def filled(store: Store, home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    fill(store)
    return home


def test_without_people_one_researcher_on_three_networks_counts_four_times(filled: Path) -> None:
    md = cli("digest", "--week", "2018-W08", "--tz", "UTC", "--explain")
    story = story_lines(md, "Software 2.0")
    assert "people 5.00" in story  # the blog, X, Bluesky, Mastodon and the other person: what [people] fixes
    assert "shared by 4 people on your list" in story


def test_people_table_makes_one_person_count_once_in_score_why_and_explain(filled: Path) -> None:
    (filled / "config.toml").write_text(PEOPLE, encoding="utf-8")
    md = cli("digest", "--week", "2018-W08", "--tz", "UTC", "--explain")
    story = story_lines(md, "Software 2.0")
    assert "people 2.00 (Andrej Karpathy, Some One (@someone.bsky.social))" in story, story
    assert "shared by 2 people on your list" in story and "feed" not in story.split("— ")[0]
    why = next(line for line in story.splitlines() if "*why:*" in line)
    assert why.count("Andrej Karpathy") == 1 and why.count("Some One") == 1, why
    assert "[Andrej Karpathy](https://x.com/karpathy/status/1)" in why  # their first share, not the story itself
    assert "karpathy.bsky.social" not in md and "sigmoid.social" not in md  # no second name for the same person


def test_a_feed_author_name_and_a_handle_of_one_person_count_once(store: Store, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(PEOPLE, encoding="utf-8")
    blog = store.source("Group blog")
    store.feed(blog, entry("On evals", "https://group.example.org/evals", "<p>A careful post about evaluation, with numbers.</p>",
                           when=at(19), authors=("Jane Q.  Writer",)))  # fmt: skip
    bsky = store.source("Bluesky list", kind="bluesky", section="posts")
    store.feed(bsky, entry("", "https://bsky.app/profile/else.bsky.social/post/9", '<p>my post <a href="https://group.example.org/evals">here</a></p>',
                           when=at(21), guid="e9", authors=("Jane (@else.bsky.social)",)))  # fmt: skip
    story = story_lines(cli("digest", "--week", "2018-W08", "--tz", "UTC", "--explain"), "On evals")
    assert "people 1.00 (Someone Else)" in story, story


def feedhub(home: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDHUB_")}
    env.update(FEEDHUB_HOME=str(home), FEEDHUB_DB_URL=db_url, FEEDHUB_ARXIV_ENRICH="0")
    return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=120)


BAD = [
    ('[people."A"]\nhandles = ["x:a"]\n[people."B"]\nhandles = ["X:@A"]\n', '"x:a" is claimed by both [people."A"] and [people."B"]'),
    ('[people."A"]\nhandles = ["fb:a"]\n', '[people."A"] handles: "fb:a": unknown network "fb"; allowed: handles that start with x:, bsky:'),
    ('[people."A"]\nhandles = ["mastodon:a"]\n', "a Mastodon handle needs its server, mastodon:USER@HOST"),
    ('[people."A"]\nhandles = "x:a"\n', '[people."A"] handles = "x:a" is not allowed; allowed: a list of quoted handles'),
    ('[people."A"]\nhandle = ["x:a"]\n', 'unknown [people."A"] settings: handle; known: handles'),
    ('[people]\nA = "x:a"\n', '[people] A = "x:a" is not allowed; allowed: a table'),
]


@pytest.mark.parametrize(("config", "needle"), BAD, ids=[b[1][:30] for b in BAD])
def test_a_bad_people_entry_is_one_line_and_nothing_stored_is_lost(filled: Path, db_url: str, config: str, needle: str) -> None:
    def counts() -> tuple[int, int]:
        from feedhub.store import open_store

        eng = open_store(db_url)
        try:
            with session_factory(eng)() as s:
                return s.query(Entry).count(), s.query(Digest).count()
        finally:
            eng.dispose()

    before = counts()
    (filled / "config.toml").write_text(config, encoding="utf-8")
    done = feedhub(filled, db_url, "digest", "--week", "2018-W08", "--tz", "UTC")
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert str(filled / "config.toml") in lines[0]
    assert counts() == before
    (filled / "config.toml").write_text(PEOPLE, encoding="utf-8")  # fixed: the same store gives the digest
    assert "people 2.00 (Andrej Karpathy" in feedhub(filled, db_url, "digest", "--week", "2018-W08", "--tz", "UTC", "--explain").stdout

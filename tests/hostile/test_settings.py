"""Bad settings are refused before any work starts (issue 18, item 7): one line naming the key, its value
and what is allowed; nothing stored changes; nothing hangs."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import assert_clean, assert_one_line, feedhub, store_dump

CASES = [
    ("[fetch]\nconcurrency = 0\n", "[fetch] concurrency = 0 is not allowed; allowed: a whole number from 1 to 1024"),
    ('[fetch]\nconcurrency = "lots"\n', '[fetch] concurrency = "lots" is not allowed'),
    ("[fetch]\nconcurrency = -1\n", "[fetch] concurrency = -1 is not allowed"),
    ("[fetch]\nconcurrency = 2.5\n", "[fetch] concurrency = 2.5 is not allowed"),
    ("[fetch]\nconcurrency = true\n", "[fetch] concurrency = true is not allowed"),
    ('[arxiv]\ndelay_seconds = "x"\n', '[arxiv] delay_seconds = "x" is not allowed; allowed: a number of seconds from 0 to 60'),
    ("[fetch]\ndeadline = 0\n", "[fetch] deadline = 0 is not allowed; allowed: a number of seconds above 0"),
    ("[fetch]\nread_timeout = 0\n", "[fetch] read_timeout = 0 is not allowed"),
    ("[fetch]\nread_timeout = nan\n", "[fetch] read_timeout = nan is not allowed"),
    ('[fetch]\nmax_body = "lots"\n', '[fetch] max_body = "lots" is not allowed; allowed: a size in bytes'),
    ("[fetch]\nmax_body = 10\n", "[fetch] max_body = 10 is not allowed"),
    ("[fetch]\nmax_redirects = -1\n", "[fetch] max_redirects = -1 is not allowed; allowed: a whole number from 0 to 30"),
    ('[fetch]\nallow_networks = "127.0.0.2/32"\n', '[fetch] allow_networks = "127.0.0.2/32" is not allowed; allowed: a list of networks'),
    ('[fetch]\nallow_networks = ["10.0.0.0/33"]\n', "[fetch] allow_networks = [\"10.0.0.0/33\"] is not allowed"),
    ('[arxiv]\nenrich = "no"\n', '[arxiv] enrich = "no" is not allowed; allowed: true or false (without quotes)'),
    ("fetch = 3\n", "fetch = 3 must be a section; write [fetch] on its own line"),
    ("[fetch]\nconcurency = 4\n", "unknown [fetch] settings: concurency; known: concurrency"),
    ("[fecth]\nconcurrency = 4\n", "unknown section [fecth]; known: [fetch]"),
    ('[github]\napi_url = "ftp://x"\n', '[github] api_url = "ftp://x" is not allowed; allowed: an http:// or https:// URL'),
    ("[secrets]\nGITHUB_TOKEN = [1, 2]\n", "[secrets] GITHUB_TOKEN is not allowed as written"),
    ("[fetch\nconcurrency = 4\n", "cannot read"),
    ("a = " + "[" * 20000 + "]" * 20000 + "\n", "nested too deeply"),
]


# Every case through `source list`; the ones that hung `fetch` or failed every source, through `fetch` too.
RUNS = [(config, needle, ("source", "list")) for config, needle in CASES] + [
    (config, needle, ("fetch", "--quiet")) for config, needle in CASES if any(k in config for k in ("concurrency", "deadline", "max_body", "read_timeout"))]


@pytest.mark.parametrize(("config", "needle", "command"), RUNS, ids=[f"{c[2][0]}: {c[1][:40]}" for c in RUNS])
def test_a_bad_setting_is_one_line_before_any_work(store: Path, config: str, needle: str, command: tuple[str, ...]) -> None:
    before = store_dump(store / "feedhub.db")
    (store / "config.toml").write_text(config, encoding="utf-8")
    line = assert_one_line(feedhub(store, *command, timeout=60), needle)  # concurrency = 0 used to hang: the timeout says so
    assert str(store / "config.toml") in line
    assert store_dump(store / "feedhub.db") == before


@pytest.mark.parametrize(("data", "needle"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "is not UTF-8 text"),
    (b"[fetch]\nconcurrency = 4\n" + b"# " + b"x" * (2 * 1024 * 1024) + b"\n", "too large for a settings file"),
])
def test_a_binary_or_huge_settings_file_is_one_line(store: Path, data: bytes, needle: str) -> None:
    before = store_dump(store / "feedhub.db")
    (store / "config.toml").write_bytes(data)
    assert_one_line(feedhub(store, "source", "list"), needle)
    assert store_dump(store / "feedhub.db") == before


def test_good_settings_are_read_with_their_units(store: Path) -> None:
    (store / "config.toml").write_text('[fetch]\nmax_body = "15MiB"\nconcurrency = 4\ndeadline = 20\nallow_networks = ["127.0.0.0/8"]\n'
                                       "[arxiv]\nenrich = false\n", encoding="utf-8")  # fmt: skip
    assert_clean(feedhub(store, "fetch", "--force", "--quiet"))
    from feedhub.config import load_settings
    from feedhub.fetch.http import FetchConfig
    from feedhub.papers.enrich import ArxivApiConfig

    settings = load_settings(home=store)
    cfg = FetchConfig.from_settings(settings)
    assert (cfg.max_body, cfg.concurrency, cfg.deadline, cfg.allow_networks) == (15 * 1024 * 1024, 4, 20.0, ("127.0.0.0/8",))
    assert ArxivApiConfig.from_settings(settings).enabled is False


def test_a_bad_environment_override_is_one_line(store: Path) -> None:
    from .conftest import env_for

    out = feedhub(store, "fetch", "--quiet", env=env_for(store, FEEDHUB_ARXIV_DELAY="soon", FEEDHUB_ARXIV_ENRICH="1"))
    assert_one_line(out, 'FEEDHUB_ARXIV_DELAY="soon" is not allowed')

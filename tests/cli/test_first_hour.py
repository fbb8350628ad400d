"""The CLI in a new user's first hour (issue 19), as a real process on a real data dir: changing and removing
sources, completion and --help, search filters with typos, stars never fetched, `db current` without side
effects, Windows refused in one line, and the import benchmark's cleanup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def feedhub(home: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_ARXIV_ENRICH": "0", **(env or {})}
    full.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True, env=full, input=input, timeout=120)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    out = feedhub(home, "demo")
    assert out.returncode == 0, out.stderr
    return home


def sources(home: Path) -> dict[int, dict]:  # type: ignore[type-arg]
    return {s["id"]: s for s in json.loads(feedhub(home, "source", "list", "--json").stdout)}


def test_source_set_renames_and_moves_a_source(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert feedhub(home, "source", "add", "--no-check", "https://old.example.org/feed.xml").returncode == 0
    assert feedhub(home, "source", "add", "--no-check", "https://other.example.org/feed.xml").returncode == 0
    out = feedhub(home, "source", "set", "1", "--name", "Lab blog", "--url", "https://new.example.org/atom.xml")
    assert out.returncode == 0, out.stderr
    assert "source 1: Lab blog (https://new.example.org/atom.xml)" in out.stdout
    assert (sources(home)[1]["name"], sources(home)[1]["url"]) == ("Lab blog", "https://new.example.org/atom.xml")
    taken = feedhub(home, "source", "set", "1", "--url", "https://other.example.org/feed.xml")
    assert taken.returncode == 1 and taken.stderr.startswith("error: https://other.example.org/feed.xml is already source 2")
    bad = feedhub(home, "source", "set", "1", "--url", "not a url")
    assert bad.returncode == 1 and "invalid URL" in bad.stderr and len(bad.stderr.splitlines()) == 1
    assert sources(home)[1]["url"] == "https://new.example.org/atom.xml"  # nothing changed by the refusals


def test_source_remove_asks_and_says_how_many_entries_go(tmp_path: Path, demo_home: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    entries = sources(home)[1]["entries"]
    assert entries > 0
    no = feedhub(home, "source", "remove", "1", input="n\n")
    assert no.returncode == 1 and f"remove source 1 (The Wild Week in ML (sample)) and its {entries} entries?" in no.stderr
    assert "not removed" in no.stderr and 1 in sources(home)
    unanswered = feedhub(home, "source", "remove", "1", input="")  # cron: stdin at its end
    assert unanswered.returncode == 1 and "add --yes" in unanswered.stderr.splitlines()[-1] and 1 in sources(home)
    yes = feedhub(home, "source", "remove", "1", input="y\n")
    assert yes.returncode == 0 and f"removed source 1: The Wild Week in ML (sample), and its {entries} entries" in yes.stdout
    assert 1 not in sources(home)
    scripted = feedhub(home, "source", "remove", "2", "--yes")
    assert scripted.returncode == 0 and "removed source 2" in scripted.stdout and 2 not in sources(home)


def test_mastodon_http_url_is_kept_as_given(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = feedhub(home, "source", "add", "--no-check", "http://masto.local:8080/@alice")
    assert out.returncode == 0, out.stderr
    [s] = sources(home).values()
    assert (s["kind"], s["url"]) == ("mastodon", "http://masto.local:8080/@alice.rss")
    assert feedhub(home, "source", "add", "--no-check", "https://mastodon.social/@bob").returncode == 0
    assert sources(home)[2]["url"] == "https://mastodon.social/@bob.rss"


def test_help_shows_completion_and_no_bool_placeholders(tmp_path: Path) -> None:
    root = feedhub(tmp_path, "--help")
    assert "--install-completion" in root.stdout and "--show-completion" in root.stdout
    for args in (("--help",), ("fetch", "--help"), ("source", "add", "--help"), ("digest", "--help")):
        text = feedhub(tmp_path, *args).stdout
        assert "<bool>" not in text, args
    fetch_help = feedhub(tmp_path, "fetch", "--help").stdout
    assert "--force" in fetch_help and "--source" in fetch_help
    env = {**os.environ, "FEEDHUB_HOME": str(tmp_path)}  # the console script, as a shell calls it
    script = subprocess.run([str(Path(sys.executable).parent / "feedhub"), "--show-completion", "bash"], capture_output=True, text=True, env=env, timeout=60)
    assert script.returncode == 0 and "COMPREPLY" in script.stdout  # a bash completion script


def test_a_typo_in_a_search_filter_names_the_known_filters(demo_home: Path) -> None:
    out = feedhub(demo_home, "search", "autor:peters")
    assert out.returncode == 1
    [line] = out.stderr.splitlines()
    assert line.startswith("error: unknown filter 'autor:' (did you mean author:?); known: author:, title:") and "cat:" in line
    other = feedhub(demo_home, "search", "nosuchfilter:elmo", "--json")
    assert other.returncode == 0
    assert any("'nosuchfilter:' is not a filter" in n and "author:" in n for n in json.loads(other.stdout)["notes"])
    right = json.loads(feedhub(demo_home, "search", "author:peters", "--json").stdout)
    assert "1802.05365" in [h["id"] for h in right["hits"]]


def test_stars_never_fetched_are_not_shown_as_zero(demo_home: Path) -> None:
    data = json.loads(feedhub(demo_home, "search", "horovod", "--json").stdout)
    paper = next(h for h in data["hits"] if h["id"] == "1802.05799")
    assert paper["stars"] is None and paper["has_code"] is True  # the demo never asked GitHub for stars
    table = feedhub(demo_home, "search", "horovod").stdout
    assert "★0" not in table and "★" not in table
    row = next(line for line in table.splitlines() if "1802.05799" in line)
    assert "│ code │" in row


def test_db_current_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    out = feedhub(home, "db", "current")
    assert out.returncode == 0 and "no database yet at" in out.stdout and "feedhub db upgrade" in out.stdout
    assert not home.exists()
    assert feedhub(home, "db", "upgrade").returncode == 0
    now = feedhub(home, "db", "current")
    assert "revision" in now.stdout and "(head" in now.stdout


def test_windows_is_refused_in_one_line() -> None:
    code = ("import sys; sys.platform = 'win32'; sys.modules['fcntl'] = None; sys.argv = ['feedhub', 'fetch']\n"
            "from feedhub.cli.entry import main; main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith("error: feedhub runs on Linux and macOS") and "WSL" in out.stderr and out.stderr.count("\n") == 1


def test_the_store_lock_without_fcntl_is_a_one_line_error(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['fcntl'] = None\n"
            "from feedhub.store import make_engine\nfrom feedhub.store.locks import exclusive\nfrom feedhub.errors import FeedhubError\n"
            f"engine = make_engine('sqlite:///{tmp_path}/x.db')\n"
            "try:\n    with exclusive(engine, 'fetch'):\n        pass\nexcept FeedhubError as exc:\n    print('ERR', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert out.stdout.startswith("ERR feedhub runs on Linux and macOS"), out.stderr[-400:]


def test_bench_import_exits_zero_and_removes_its_work_dir(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "benchmarks/bench_import.py", "--n", "200", "--baseline-n", "50", "--runs", "1"],
                         capture_output=True, text=True, timeout=300, cwd=str(REPO), env=env)
    assert out.returncode == 0, out.stderr[-600:]
    assert "speed-up over baseline" in out.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("feedhub-bench-import-")] == []


def run_without_sklearn(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as on a base install (no `feedhub[recommend]` extra): scikit-learn cannot be imported."""
    code = ("import sys, runpy; sys.modules['sklearn'] = None; sys.argv = ['feedhub', *sys.argv[1:]]\n"
            "runpy.run_module('feedhub', run_name='__main__')")
    env = {**os.environ, "FEEDHUB_HOME": str(home), "COLUMNS": "200", "FEEDHUB_ARXIV_ENRICH": "0"}
    env.pop("FEEDHUB_DB_URL", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120, cwd=str(REPO))


def test_without_the_recommend_extra_the_digest_works_and_related_says_what_to_install(tmp_path: Path, demo_home: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    assert run_without_sklearn(home, "paper", "save", "1802.05365").returncode == 0
    related = run_without_sklearn(home, "paper", "related", "1802.05365")
    assert related.returncode == 1 and related.stderr.splitlines() == [
        "error: `feedhub paper related` needs scikit-learn, an optional extra: pip install 'feedhub[recommend]'"]
    rec = run_without_sklearn(home, "recommend")
    assert rec.returncode == 1 and "pip install 'feedhub[recommend]'" in rec.stderr and len(rec.stderr.splitlines()) == 1
    digest = run_without_sklearn(home, "digest", "--week", "2018-W08", "--explain")
    assert digest.returncode == 0 and "## Highlighted Research Papers" in digest.stdout
    assert "saved 2" not in digest.stdout  # the saved-similarity factor is left out, nothing else changes
    with_extra = feedhub(home, "digest", "--week", "2018-W08", "--explain")
    assert with_extra.returncode == 0 and "saved " in with_extra.stdout  # installed: the factor counts again


def test_paper_save_refuses_an_id_with_month_99(tmp_path: Path) -> None:
    out = feedhub(tmp_path / "home", "paper", "save", "9999.99999")
    assert out.returncode == 1 and out.stderr.startswith("error: '9999.99999' is not an arXiv id") and len(out.stderr.splitlines()) == 1

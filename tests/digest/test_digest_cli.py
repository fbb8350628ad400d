"""``feedhub digest`` end to end: the sample week through ``feedhub demo``, formats, list, bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDHUB_")}
    env["FEEDHUB_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "feedhub", *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sample") / "home"
    done = run(home, "demo")
    assert done.returncode == 0, done.stderr
    return home


@pytest.mark.slow
def test_sample_week_has_four_sections_with_enas_and_elmo_in_papers(sample_home: Path, tmp_path: Path) -> None:
    done = run(sample_home, "digest", "--week", "2018-W08", "--tz", "UTC")
    assert done.returncode == 0, done.stderr
    md = done.stdout
    heads = re.findall(r"^## (.+)$", md, re.M)
    assert heads[:4] == ["News", "Posts, Articles & Tutorials", "Code, Projects & Data", "Highlighted Research Papers"]
    sections = re.split(r"^## ", md, flags=re.M)
    for body in sections[1:5]:
        assert len(re.findall(r"^\d+\. ", body, re.M)) == 4, body
    papers = sections[4]
    assert "https://arxiv.org/abs/1802.03268" in papers and "https://arxiv.org/abs/1802.05365" in papers
    assert "Efficient Neural Architecture Search via Parameter Sharing" in papers
    assert "Deep contextualized word representations" in papers

    data = json.loads(run(sample_home, "digest", "--week", "2018-W08", "--tz", "UTC", "--format", "json").stdout)
    paper_keys = [s["key"] for s in data["sections"][3]["stories"]]
    assert {"arxiv:1802.03268", "arxiv:1802.05365"} <= set(paper_keys)
    enas = next(s for s in data["sections"][3]["stories"] if s["key"] == "arxiv:1802.03268")
    assert enas["mentions"] >= 4 and len(enas["sources"]) >= 3  # listing, newsletter, researchers' posts

    out = tmp_path / "digest.html"
    done = run(sample_home, "digest", "--week", "2018-W08", "--tz", "UTC", "--out", str(out))
    assert done.returncode == 0 and done.stdout == ""
    assert "wrote" in done.stderr and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    listing = json.loads(run(sample_home, "digest", "list", "--json").stdout)
    assert [(d["week"], d["tz"], d["lang"]) for d in listing] == [("2018-W08", "UTC", "en")]  # re-runs: one row
    table = run(sample_home, "digest", "list")
    assert table.returncode == 0 and "2018-W08" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2018-W60"], "error: invalid week '2018-W60'"),
        (["--week", "2018-W08", "--tz", "Nowhere/Land"], "error: unknown time zone 'Nowhere/Land'"),
        (["--week", "2018-W08", "--format", "pdf"], "error: unknown format 'pdf'"),
        (["--week", "2018-W08", "--out", "digest.txt"], "error: cannot tell the format"),
        (["--week", "2018-W08", "--lang", "fr"], "error: unknown language 'fr'"),
        (["--week", "2018-W08", "--per-section", "0"], "error: --per-section 0"),
        (["--since", "2018-02-25", "--until", "2018-02-19"], "error: --since 2018-02-25 is after --until"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = run(tmp_path / "home", "digest", *args)
    assert done.returncode == 1
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_week_exits_zero(tmp_path: Path) -> None:
    done = run(tmp_path / "home", "digest", "--week", "2019-W08", "--tz", "Asia/Seoul")
    assert done.returncode == 0
    assert "Nothing was pulled for this period" in done.stdout
    assert run(tmp_path / "home", "digest", "list").stdout.count("2019-W08") == 1


def test_help_lists_the_options_and_list(tmp_path: Path) -> None:
    done = run(tmp_path / "home", "digest", "--help")
    assert done.returncode == 0
    for option in ("--week", "--since", "--until", "--tz", "--per-section", "--format", "--out", "--lang", "--explain", "--send", "list"):
        assert option in done.stdout


def test_source_set_section_and_weight(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>', encoding="utf-8")
    home = tmp_path / "home"
    assert run(home, "source", "add", str(feed), "--no-check").returncode == 0
    done = run(home, "source", "set", "1", "--section", "code", "--weight", "2.5")
    assert done.returncode == 0, done.stderr
    (src,) = json.loads(run(home, "source", "list", "--json").stdout)
    assert (src["section"], src["weight"]) == ("code", 2.5)
    bad = run(home, "source", "set", "1", "--section", "blogs")
    assert bad.returncode == 1 and bad.stderr.startswith("error: unknown section 'blogs'")

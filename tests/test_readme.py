"""The README a new user reads first (issue 19): the two commands first and unchanged, the screenshot, the
config reference generated from the code, and the first command's output ignored by git."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST = ("python3 -m venv .venv && .venv/bin/pip install -q -e . && export FEEDHUB_HOME=$(mktemp -d) && .venv/bin/feedhub demo && "
         ".venv/bin/feedhub digest --week 2018-W08 --out digest.html && .venv/bin/feedhub digest --week 2018-W08")


def test_the_two_commands_come_first() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None and README.index(block.group(0)) < README.index("## ")
    commands = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    assert commands == [FIRST, "bash scripts/test.sh"]


def test_the_config_reference_is_what_the_code_reads() -> None:
    from feedhub.ops.config_reference import markdown, replace_in

    assert markdown() in README, "README's config reference is stale: python -m feedhub.ops.config_reference --write"
    assert replace_in(README) == README


def test_every_fetch_setting_in_the_reference_is_accepted_and_every_accepted_one_is_there(tmp_path: Path) -> None:
    from feedhub.config import Settings
    from feedhub.fetch.http import FILE_KEYS, FetchConfig
    from feedhub.ops.config_reference import rows

    documented = [key for table, key, _, _ in rows() if table == "fetch"]
    assert documented == list(FILE_KEYS)
    settings = Settings(home=tmp_path, db_url="sqlite://", file_config={"fetch": {"concurrency": 3}})
    assert FetchConfig.from_settings(settings).concurrency == 3
    import inspect

    from feedhub.papers import enrich

    read = set(re.findall(r'table\.get\("([a-z_]+)"', inspect.getsource(enrich.ArxivApiConfig.from_settings)))
    assert read == {key for table, key, _, _ in rows() if table == "arxiv"}


def test_every_secret_the_code_reads_is_in_the_reference() -> None:
    from feedhub.ops.config_reference import SECRETS

    names = set()
    for path in ROOT.joinpath("feedhub").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'secret\((?:settings, )?"([A-Z_]+)"', text))
        names |= set(re.findall(r'TOKEN_ENV = "([A-Z_]+)"', text))
    assert names and names <= {n for n, _ in SECRETS}


def test_the_screenshot_is_a_small_png_shown_near_the_top() -> None:
    png = ROOT / "docs" / "digest.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 300_000
    assert README.index("](docs/digest.png)") < README.index("## A short tour")


def test_the_first_commands_output_leaves_git_status_clean() -> None:
    assert "/digest.html" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(["git", "check-ignore", "-q", "digest.html"], cwd=ROOT, capture_output=True, timeout=30)
        assert out.returncode == 0

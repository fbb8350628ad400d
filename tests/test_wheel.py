"""The wheel, installed outside the checkout, is the whole feedhub: every package, the migrations, the
sample week, the starter set. Built and installed for real (pip), then the README's first job run from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the files git knows (tracked, or new and not ignored): a stale build/ folder or
    # an ignored file in the checkout cannot hide a package the wheel would lose.
    src = tmp_path_factory.mktemp("src")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    # --no-build-isolation: the venv's setuptools builds it, no download; --no-deps: only feedhub's wheel
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (found,) = out.glob("feedhub-*.whl")
    return found


def test_every_package_of_the_checkout_is_in_the_wheel(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {str(Path(n).parent) for n in names if n.endswith(".py")}
    for top in ("feedhub", "reproductions"):
        for d in sorted((REPO / top).rglob("*.py")):
            rel = str(d.parent.relative_to(REPO))
            assert rel in packaged, f"{rel}/ is not in the wheel (missing __init__.py?)"
    assert "feedhub/migrations/versions/0001_initial_schema.py" in names
    for data in ("feedhub/data/starter.toml", "feedhub/data/sample/manifest.json", "feedhub/data/sample/arxiv-snapshot.jsonl"):
        assert data in names, data
    for web in sorted((REPO / "feedhub" / "web").rglob("*")):  # feedhub serve's templates and static files
        if web.is_file() and web.suffix in (".html", ".css", ".js", ".svg"):
            assert str(web.relative_to(REPO)) in names, web


@pytest.mark.slow
def test_the_installed_wheel_runs_the_main_job(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    done = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # feedhub's dependencies come from this test run's environment (no download): its site-packages is
    # added after the new venv's own, so feedhub itself is the installed wheel, never the checkout.
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True).stdout.strip()
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = tmp_path / "home"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDHUB_", "PYTHON"))}
    env.update(FEEDHUB_HOME=str(home), FEEDHUB_ARXIV_ENRICH="0", COLUMNS="120")
    feedhub = str(env_dir / "bin" / "feedhub")

    def run(*args: str) -> str:
        r = subprocess.run([feedhub, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"feedhub {' '.join(args)} exited {r.returncode}: {r.stderr[-1500:]}"
        return r.stdout

    where = subprocess.run([str(py), "-c", "import feedhub, feedhub.search; print(feedhub.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True).stdout
    assert str(env_dir) in where and str(REPO) not in where, where
    run("demo")
    digest = run("digest", "--week", "2018-W08")
    assert "Highlighted Research Papers" in digest or "Papers" in digest
    hits = run("search", "architecture search", "--json")
    assert "1802.03268" in hits  # ENAS, the sample week's neural architecture search paper

"""Make docs/digest.png, the README's picture of the HTML digest: the sample week in headless Chromium.

    FEEDHUB_HOME=$(mktemp -d) .venv/bin/feedhub demo && .venv/bin/feedhub digest --week 2018-W08 --out /tmp/digest.html
    .venv/bin/python scripts/digest_screenshot.py /tmp/digest.html docs/digest.png
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(html: Path, png: Path) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 760, "height": 980}, device_scale_factor=1, color_scheme="light")
        page.goto(html.resolve().as_uri())
        page.screenshot(path=str(png), full_page=False)
        browser.close()
    print(f"wrote {png} ({png.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

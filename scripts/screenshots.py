"""Screenshots of the site for a person to look at: home, a day and a paper,
at 375 px and 1280 px wide, light and dark.

    python3 scripts/screenshots.py [OUT_DIR]     # default: screenshots/ (git-ignored)

Builds the shipped seeds into a temporary folder, serves it under a sub-path
as GitHub Pages would, and drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from generator.commands.cli import main as digest  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.pages_server import serve  # noqa: E402

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


def _build(site: Path, url: str) -> None:
    argv = ["build", "--out", str(site), "--base-url", url, "--quiet"]
    argv += ["--seeds", str(PROJECT / "seeds"), "--config", str(PROJECT / "digest.yaml")]
    if code := digest(argv):
        raise SystemExit(code)


def _shoot(browser: Browser, url: str, pages: dict[str, str], out: Path) -> list[Path]:
    written = []
    for width in WIDTHS:
        for scheme in SCHEMES:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            page = context.new_page()
            for name, path in pages.items():
                page.goto(url + path, wait_until="networkidle")
                target = out / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            context.close()
    return written


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        site.mkdir()
        with serve(site) as url:
            _build(site, url)
            latest = sorted(p.name for p in (site / "days").iterdir() if p.is_dir())[-1]
            paper = sorted((site / "papers").iterdir())[0].name
            pages = {"home": "", "day": f"days/{latest}/", "paper": f"papers/{paper}/"}
            with sync_playwright() as playwright:
                chromium = playwright.chromium
                browser = chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                written = _shoot(browser, url, pages, out)
                browser.close()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "screenshots"):
        print(path)

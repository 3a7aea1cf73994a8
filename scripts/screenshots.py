"""Screenshots of a running OpenCRDS server's pages, for the README (docs/screenshots/).

    python scripts/screenshots.py http://127.0.0.1:8000 docs/screenshots home=/ history=/display_context_history/

Each ``name=path`` is opened in Debian's Chromium (``/usr/bin/chromium``, driven by Playwright,
which never downloads a browser) at 1280×900 and saved as ``<name>.png`` (the visible part, not
the whole page). ``--width``/``--height`` change the window.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("server", help="base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("folder", type=Path)
    parser.add_argument("pages", nargs="+", metavar="NAME=PATH")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.folder.mkdir(parents=True, exist_ok=True)
    flags = [*FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=flags)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for item in args.pages:
            name, _, path = item.partition("=")
            page.goto(args.server.rstrip("/") + path, wait_until="networkidle")
            target = args.folder / f"{name}.png"
            page.screenshot(path=str(target))
            print(target)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

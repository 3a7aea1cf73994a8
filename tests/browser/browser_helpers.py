"""Helpers of the browser tests: Debian's Chromium driven by Playwright, a watch over each page
(JavaScript errors, failed requests, HTTP errors) and its screenshots.

Playwright must never download a browser: it launches ``/usr/bin/chromium`` (Debian's package,
installed by ``.ci/run``). A test is skipped, with the reason, when that browser, the
``playwright`` package or the shared CRDS data is missing.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("OPENCRDS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
#: Where the screenshots go: ``$OPENCRDS_SCREENSHOTS`` or ``build/screenshots`` (gitignored).
SCREENSHOTS = Path(os.environ.get("OPENCRDS_SCREENSHOTS") or REPO_ROOT / "build" / "screenshots")
#: A full-page screenshot is cut at this height (px): the pages paginate, this only bounds a
#: page that does not.
MAX_SHOT_HEIGHT = 12000
#: Hosts a page may load anything from: the test servers (no CDN, no internet).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def browser_unavailable() -> str | None:
    """None when the browser tests can run, else why not."""
    if not CHROMIUM.exists():
        return (f"Chromium not found at {CHROMIUM}: install Debian's package "
                "(apt-get install chromium; .ci/run does it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e .[test])"
    return None


def launch_args() -> list[str]:
    """Chromium's arguments: no sandbox as root (a sandbox needs an unprivileged user)."""
    return (["--no-sandbox"] if os.geteuid() == 0 else []) + CHROMIUM_ARGS


class Playwright:
    """One Playwright driver and one Chromium for this process (this xdist worker).

    Playwright's sync API leaves its event loop marked as running in this thread between its
    calls; Django then takes every ORM call of an in-process test run later in this worker for
    one made from async code. So the loop is marked running only while a browser test runs
    (``resume``) and unmarked between them (``suspend``).
    """

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright().start()
        self._loop = asyncio.get_running_loop()
        self.browser = self._manager.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=launch_args())
        self.suspend()

    def resume(self) -> None:
        asyncio._set_running_loop(self._loop)

    def suspend(self) -> None:
        asyncio._set_running_loop(None)

    def close(self) -> None:
        self.resume()
        try:
            self.browser.close()
        finally:
            self._manager.stop()
            self.suspend()


def slug(text: str, limit: int = 60) -> str:
    """``text`` as a file-name part: letters, digits, ``.``, ``_`` and ``-``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return cleaned[:limit].rstrip("-.") or "page"


@dataclass
class Problem:
    kind: str      # console, pageerror, requestfailed, http, external
    text: str
    url: str = ""

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text}" + (f" ({self.url})" if self.url else "")


@dataclass
class PageWatch:
    """What went wrong on a test's pages, and their screenshots.

    Records console errors, uncaught page errors, failed requests, HTTP responses >= 400 and
    any request that leaves this machine. ``allow`` declares the ones a test expects (a 404
    page it opens on purpose). ``shot`` saves a full-page screenshot of the page shown.
    """

    page: Any
    test_name: str
    folder: Path = SCREENSHOTS
    problems: list[Problem] = field(default_factory=list)
    allowed: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)
    navigations: int = 0
    shot_at: int = -1

    def __post_init__(self) -> None:
        page = self.page
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._add("pageerror", str(error), page.url))
        page.on("requestfailed", self._request_failed)
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("framenavigated", self._navigated)

    # ---- events ----

    def _add(self, kind: str, text: str, url: str = "") -> None:
        for allowed_kind, pattern in self.allowed:
            if allowed_kind == kind and pattern.search(f"{text} {url}"):
                return
        self.problems.append(Problem(kind, text, url))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            self._add("console", message.text, location.get("url", "") or self.page.url)

    def _request(self, request: Any) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0].rsplit(":", 1)[0]
        if host not in LOCAL_HOSTS:
            self._add("external", f"{request.method} to another host", url)

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # ERR_ABORTED: cancelled by the browser itself (a poll cut short by a navigation, a
        # download handed over), not an answer of the server.
        if "ERR_ABORTED" in failure:
            return
        self._add("requestfailed", f"{request.method} failed: {failure}", request.url)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self._add("http", f"HTTP {response.status} for {response.request.method}",
                      response.url)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    # ---- what tests use ----

    def allow(self, kind: str, pattern: str) -> None:
        """Expect problems of ``kind`` whose text or URL matches the regular expression."""
        self.allowed.append((kind, re.compile(pattern)))

    def allow_status(self, status: int, url_pattern: str) -> None:
        """Expect HTTP ``status`` for URLs matching ``url_pattern`` (and the console line
        Chromium logs for it)."""
        self.allow("http", rf"^HTTP {status} .*{url_pattern}")
        self.allow("console", rf"status of {status}\b.*{url_pattern}")

    def shot(self, label: str = "") -> Path:
        """A full-page screenshot of the page shown: ``<test>-<n>-<slug>.png``."""
        page = self.page
        self.folder.mkdir(parents=True, exist_ok=True)
        name = label or re.sub(r"^[a-z]+://[^/]+", "", page.url).strip("/") or "home"
        path = self.folder / f"{slug(self.test_name, 100)}-{len(self.shots) + 1}-{slug(name)}.png"
        height = page.evaluate("document.documentElement.scrollHeight")
        if height > MAX_SHOT_HEIGHT:
            width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(path), full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": MAX_SHOT_HEIGHT})
        else:
            page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        self.shot_at = self.navigations
        return path

    def shot_if_new(self) -> None:
        """A screenshot unless the page shown has one already."""
        if self.navigations and self.shot_at != self.navigations and not self.page.is_closed():
            self.shot()

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def visit(page: Any, watch: PageWatch, url: str, wait_until: str = "load") -> Any:
    """Open ``url``, wait for it to load, take its screenshot; the main response."""
    response = page.goto(url, wait_until=wait_until)
    watch.shot()
    return response


def follow(page: Any, watch: PageWatch, action: Any, timeout: float = 30_000) -> None:
    """Do ``action`` (a click, a submit), wait for the page it leads to, screenshot it."""
    with page.expect_navigation(wait_until="load", timeout=timeout):
        action()
    watch.shot()

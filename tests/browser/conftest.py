"""Fixtures of the browser tests: one Chromium per xdist worker, a new browser context and a
watched ``page`` per test, and the real servers of the JWST and HST caches.

The read-only servers are ``server_pool``'s (tests/server/server_helpers.py: one ``opencrds
serve`` per (backend, observatory), imported once per run and shared with the server tests of
the same run), on SQLite; users for the authenticated pages are added to them once per worker.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "server", HERE.parent / "server" / "submissions"):
    if str(folder) not in sys.path:  # server_helpers, submission_servers
        sys.path.insert(0, str(folder))

from browser_helpers import PageWatch, Playwright, browser_unavailable  # noqa: E402
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, ServerPool  # noqa: E402
from site_users import SiteUsers  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == HERE:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.shared_data)


def _shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.getbasetemp().parent / name
    return tmp_path_factory.getbasetemp() / name


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    """The run's ``opencrds serve`` pool (the same folder, so the same servers, as the
    server tests' fixture of that name)."""
    root = _shared_folder(tmp_path_factory, "opencrds-servers")
    root.mkdir(parents=True, exist_ok=True)
    pool = ServerPool(root)
    yield pool
    pool.close()


def _needs_shared_data() -> None:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Playwright]:
    """Debian's Chromium, headless, for this worker."""
    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    _needs_shared_data()
    driver = Playwright()
    yield driver
    driver.close()


@pytest.fixture(scope="session")
def site_users() -> SiteUsers:
    """Users of this worker on the pool's servers (added on first use)."""
    return SiteUsers()


@pytest.fixture
def sites(server_pool: ServerPool, playwright_browser: Playwright) -> Any:
    """``sites(observatory)``: the pool's SQLite server of ``observatory``."""
    _needs_shared_data()
    return lambda observatory: server_pool.get("sqlite", observatory)


def _new_context(driver: Playwright, **options: Any) -> Any:
    options.setdefault("viewport", {"width": 1280, "height": 900})
    return driver.browser.new_context(accept_downloads=False, locale="en-US",
                                      timezone_id="UTC", **options)


class BrowserPages:
    """The watched pages of a test, each in a browser context of its own."""

    def __init__(self, driver: Playwright, test_name: str) -> None:
        self.driver = driver
        self.test_name = test_name
        self.contexts: list[Any] = []
        self.watches: list[PageWatch] = []

    def new(self, **options: Any) -> PageWatch:
        """A new context (``storage_state=``, ``viewport=``...) and its watched page."""
        context = _new_context(self.driver, **options)
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        name = self.test_name if not self.watches else f"{self.test_name}-{len(self.watches)}"
        watcher = PageWatch(context.new_page(), name)
        self.watches.append(watcher)
        return watcher

    def close(self) -> list[str]:
        """Screenshot the last pages, close the contexts; every problem seen."""
        problems = []
        for watcher in self.watches:
            try:
                watcher.shot_if_new()
            except Exception as exc:  # a page that died is reported by its problems
                problems.append(f"[screenshot] {exc}")
            problems.extend(str(problem) for problem in watcher.problems)
        for context in self.contexts:
            context.close()
        return problems


@pytest.fixture
def browser_pages(request: pytest.FixtureRequest, playwright_browser: Playwright
                  ) -> Iterator[BrowserPages]:
    """New watched pages for the test: at teardown the last page of each is screenshot and
    the test fails if a page had a JavaScript error, a failed request or an HTTP error the
    test did not ``allow``."""
    playwright_browser.resume()
    try:
        pages = BrowserPages(playwright_browser, request.node.name)
        try:
            yield pages
        finally:
            problems = pages.close()
        if problems:
            pytest.fail(f"{len(problems)} problem(s) on the pages of this test:\n"
                        + "\n".join(problems), pytrace=False)
    finally:
        playwright_browser.suspend()


@pytest.fixture
def watch(browser_pages: BrowserPages) -> PageWatch:
    """An anonymous watched page (``watch.page``), 1280x900."""
    return browser_pages.new()


@pytest.fixture
def page(watch: PageWatch) -> Any:
    """The Playwright page of ``watch``."""
    return watch.page


@pytest.fixture
def login_state(playwright_browser: Playwright, site_users: SiteUsers) -> Any:
    """``login_state(server, role)``: the cookies of a browser logged in as this worker's
    ``role`` user (anonymous: None), made once per worker through the login form."""
    return lambda server, role: site_users.storage_state(
        server, role, lambda: _new_context(playwright_browser))

"""Every page of the site opens in Chromium with the real content of the JWST and HST caches,
without JavaScript errors or failed requests (issue #14, acceptance 1): the table is pages.py.
Also: a narrow (375 px) screen shows the pages without horizontal scrolling."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from browser_helpers import SCREENSHOTS, PageWatch, visit
from pages import Page, all_pages, normalised
from site_users import username

PAGES = all_pages()
NARROW = [(observatory, row) for observatory, row in PAGES if row.narrow]
CHROME_TITLE = "Calibration Reference Data System"


def _ids(params: list[tuple[str, Page]]) -> list[str]:
    return [f"{observatory}-{row.id}" for observatory, row in params]


#: The visible form fields that have no accessible name (label, aria-label, aria-labelledby
#: or title): a screen reader could not say what they are for.
UNLABELLED_FIELDS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea'))
  .filter(field => field.offsetParent !== null)
  .filter(field => !(field.labels && field.labels.length) && !field.getAttribute('aria-label')
                   && !field.getAttribute('aria-labelledby') && !field.getAttribute('title'))
  .map(field => field.name || field.id || field.outerHTML.slice(0, 80))"""


def _check_html(page: Any, row: Page, observatory: str) -> None:
    if row.key not in ("admin", "admin-login"):  # Django's own admin pages
        header = page.locator("header.chrome")
        assert header.count() == 1, "no page chrome"
        assert f"{observatory.upper()} {CHROME_TITLE}" in normalised(header.inner_text())
        assert page.locator("h1").count() == 1, "a page has exactly one h1"
        unlabelled = page.evaluate(UNLABELLED_FIELDS)
        assert not unlabelled, f"form fields without a label: {unlabelled}"
        if row.role:
            user = page.locator("#logged_in_user")
            assert user.count() == 1 and username(row.role) in user.inner_text()
    for expect in row.expects:
        found = page.locator(expect.selector)
        assert found.count() >= 1, f"nothing matches {expect.selector!r}"
        if expect.text:
            texts = [normalised(t) for t in found.all_text_contents()]
            assert any(normalised(expect.text) in t for t in texts), \
                f"{expect.selector!r} does not show {expect.text!r}"


def _check_data(body: str, content_type: str, row: Page) -> None:
    if row.kind == "json":
        assert "json" in content_type, content_type
        json.loads(body)
    else:
        assert "csv" in content_type, content_type
        assert body.splitlines(), "an empty CSV"
    for expect in row.expects:
        assert expect.text in body, f"the {row.kind} does not hold {expect.text!r}"


def _record_timing(observatory: str, row: Page, response: Any, seconds: float) -> None:
    """Append the page's server time (request sent to first byte) to page-timings.tsv."""
    timing = response.request.timing if response is not None else {}
    server_ms = timing.get("responseStart", -1) - timing.get("requestStart", 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with open(SCREENSHOTS / "page-timings.tsv", "a") as out:
        out.write(f"{observatory}\t{row.key}\t{row.path}\t{server_ms:.0f}\t"
                  f"{seconds * 1000:.0f}\n")


def _open(browser_pages: Any, sites: Any, login_state: Any, observatory: str, row: Page,
          **options: Any) -> tuple[PageWatch, Any, Any]:
    server = sites(observatory)
    watch = browser_pages.new(storage_state=login_state(server, row.role), **options)
    if row.status >= 400:
        watch.allow_status(row.status, re.escape(row.path))
    for pattern in row.allow_404:
        watch.allow_status(404, re.escape(pattern))
    return watch, server, server.url + row.path


@pytest.mark.parametrize(("observatory", "row"), PAGES, ids=_ids(PAGES))
def test_page_shows_the_real_catalog(observatory: str, row: Page, browser_pages: Any,
                                     sites: Any, login_state: Any) -> None:
    watch, _server, url = _open(browser_pages, sites, login_state, observatory, row)
    page = watch.page
    started = time.perf_counter()
    if row.kind == "html":
        response = visit(page, watch, url)
        _record_timing(observatory, row, response, time.perf_counter() - started)
        assert response is not None and response.status == row.status, \
            f"HTTP {response.status if response else None} for {row.path}"
        _check_html(page, row, observatory)
    else:
        response = page.request.get(url)
        assert response.status == row.status, f"HTTP {response.status} for {row.path}"
        _check_data(response.text(), response.headers.get("content-type", ""), row)
    assert not watch.problems, watch.report()


@pytest.mark.parametrize(("observatory", "row"), NARROW, ids=_ids(NARROW))
def test_page_fits_a_narrow_screen(observatory: str, row: Page, browser_pages: Any,
                                   sites: Any, login_state: Any) -> None:
    watch, _server, url = _open(browser_pages, sites, login_state, observatory, row,
                                viewport={"width": 375, "height": 800}, is_mobile=True,
                                has_touch=True)
    page = watch.page
    response = visit(page, watch, url)
    assert response is not None and response.status == row.status
    _check_html(page, row, observatory)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], \
        f"{row.path} is {widths[0]} px wide on a {widths[1]} px screen"
    assert not watch.problems, watch.report()

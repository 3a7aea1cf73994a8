"""A whole delivery done in Chromium (issue #14, acceptance 1): log in locking NIRISS, see the
lock's countdown in the page chrome, upload a real reference with the upload manager, fill and
submit the batch form, follow the progress to the review page, confirm; the new context is
then the edit context on the home page and listed among all contexts.

The server is a private ``opencrds serve`` of the real JWST cache (the delivery changes its
catalog) with the submitter ``alice`` (tests/server/submissions/submission_servers.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import PageWatch, follow, visit
from pages import normalised
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA
from submission_servers import PASSWORD, TEST_DATA, start_submission_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

INSTRUMENT = "niriss"
REFERENCE = TEST_DATA / "jwst" / "niriss_ref_photom.fits"
START = "jwst_0541.pmap"
PROCESSING_SECONDS = 300


@pytest.fixture(scope="module")
def delivery_server(tmp_path_factory: pytest.TempPathFactory, playwright_browser: Any
                    ) -> Any:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE}")
    served = start_submission_server(tmp_path_factory.mktemp("browser-delivery"), "jwst",
                                     [INSTRUMENT])
    yield served.server
    served.server.stop()


def _needs(page: Any, watch: PageWatch, selector: str, what: str) -> Any:
    """The element (the test fails naming it when the page lacks it)."""
    found = page.locator(selector)
    assert found.count() >= 1, f"no {selector} ({what}) on {page.url}"
    return found.first


def test_a_whole_delivery_in_the_browser(delivery_server: Any, watch: PageWatch,
                                         tmp_path: Path) -> None:
    server = delivery_server
    page = watch.page
    assert server.rpc("get_server_info")["edit_context"] == START

    # log in, locking the instrument; the chrome counts the lock's time down
    visit(page, watch, f"{server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.select_option("#id_instrument", INSTRUMENT)
    follow(page, watch, lambda: page.click("#login_button"))
    assert page.locator("#error_message").count() == 0, page.locator("#error_message").inner_text()
    assert page.locator("#locked_instrument").inner_text().strip() == INSTRUMENT
    countdown = page.locator("#lock_time_remaining")
    assert re.fullmatch(r"\d+:\d\d:\d\d", countdown.inner_text().strip())
    first = countdown.inner_text().strip()
    page.wait_for_function(
        "first => document.getElementById('lock_time_remaining').textContent.trim() != first",
        arg=first, timeout=10_000)  # it is live

    # the batch form and its upload manager
    visit(page, watch, f"{server.url}/batch_submit_references/")
    form = _needs(page, watch, "form#submission_form", "the submission form")
    _needs(page, watch, "#upload_files", "the upload manager")
    page.set_input_files("#upload_files", str(REFERENCE))
    page.click("#start_upload")
    page.locator(f'#upload_list tr.uploaded[data-name="{REFERENCE.name}"]').wait_for(
        timeout=60_000)
    watch.shot("uploaded")

    form.locator("[name=description]").fill("Browser test delivery of a NIRISS photom file")
    form.locator("[name=creator]").fill("Browser Test Team")
    form.locator("[name=change_level]").select_option("SEVERE")
    follow(page, watch, lambda: page.click("#submit_button"))

    # live progress, then the review page (the page may reload or be replaced when done)
    from playwright.sync_api import expect

    status = page.locator("#submission_status")
    expect(status).to_have_text(re.compile("READY|FAIL|BAD FILES|ERROR", re.IGNORECASE),
                                timeout=PROCESSING_SECONDS * 1000)
    page.wait_for_load_state("load")
    watch.shot("review")
    assert "READY" in status.inner_text().upper(), normalised(page.locator("main").inner_text())
    new_context = server.rpc("get_server_info")["edit_context"]
    assert new_context == START, "the edit context moves only when confirmed"

    follow(page, watch, lambda: page.click("#confirm_button"))
    page.locator("#submission_status").wait_for()
    assert "CONFIRMED" in page.locator("#submission_status").inner_text().upper()
    new_context = server.rpc("get_server_info")["edit_context"]
    assert new_context != START and new_context.endswith(".pmap")

    # the home page and the list of all contexts show it
    visit(page, watch, f"{server.url}/")
    assert page.locator("#edit_context").inner_text().strip() == new_context
    assert page.locator("#operational_context").inner_text().strip() == START
    visit(page, watch, f"{server.url}/display_all_contexts/")
    assert new_context in page.locator("#all_contexts").inner_text()

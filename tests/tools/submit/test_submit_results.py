"""Reading a submission's results: official names of the uploaded files, the contexts, the
mappings the new context adds; confirm paths from the result URL."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from result_page import RESULT, result_page

from opencrds.tools.submit.confirm import result_path, results_id
from opencrds.tools.submit.results import (
    added_mappings,
    log_results,
    official_names,
    page_contexts,
    read_results,
)

UPLOADED = ["my dark.fits", "flat.fits"]
NAMES = {"my dark.fits": "jwst_miri_dark_0096.fits", "flat.fits": "jwst_miri_flat_0042.fits"}


class _Names:
    """``get_mapping_names`` of two contexts."""

    closures = {"jwst_0541.pmap": ["jwst_0541.pmap", "jwst_miri_0299.imap", "x.rmap"],
                "jwst_0542.pmap": ["jwst_0542.pmap", "jwst_miri_0300.imap", "x.rmap"]}

    def call(self, method: str, *params: Any) -> Any:
        assert method == "get_mapping_names"
        return self.closures[params[0]]


@pytest.mark.parametrize("confirmed", [False, True])
def test_official_names(confirmed: bool) -> None:
    assert official_names(result_page(confirmed=confirmed), UPLOADED + ["other.fits"]) == NAMES


def test_contexts_from_ids_or_logical_diff() -> None:
    assert page_contexts(result_page()) == ("jwst_0541.pmap", "jwst_0542.pmap")
    only_diff = "<pre>Logical Diff ('hst_0729.pmap', 'hst_0730.pmap')</pre>"
    assert page_contexts(only_diff) == ("hst_0729.pmap", "hst_0730.pmap")
    no_context = result_page({**RESULT, "new_context": "", "diffs": []})
    assert page_contexts(no_context) == ("jwst_0541.pmap", "")


def test_added_mappings() -> None:
    assert added_mappings(_Names(), "jwst_0541.pmap", "jwst_0542.pmap") == [
        "jwst_0542.pmap", "jwst_miri_0300.imap"]


def test_read_and_log_results(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="opencrds")
    results = read_results(result_page(), UPLOADED + ["lost.fits"], _Names())
    assert results.names == NAMES and results.new_context == "jwst_0542.pmap"
    assert results.new_mappings == ["jwst_0542.pmap", "jwst_miri_0300.imap"]
    log_results(results, UPLOADED + ["lost.fits"])
    text = caplog.text
    assert "Uploaded 'my dark.fits' --> 'jwst_miri_dark_0096.fits'" in text
    assert "No official name found for uploaded 'lost.fits'" in text
    assert "New context 'jwst_0542.pmap' (from 'jwst_0541.pmap')" in text


def test_a_failing_mapping_lookup_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def call(self, method: str, *params: Any) -> Any:
            raise RuntimeError("no server")

    results = read_results(result_page(), UPLOADED, Broken())
    assert results.names == NAMES and results.new_mappings == []
    assert any(r.levelname == "WARNING" for r in caplog.records)


@pytest.mark.parametrize("url", ["https://jwst-crds-test.stsci.edu//display_result/f01-b",
                                 "http://127.0.0.1:8000/display_result/f01-b/"])
def test_result_url_paths(url: str) -> None:
    assert result_path(url) == "/display_result/f01-b"
    assert results_id(url) == "f01-b"

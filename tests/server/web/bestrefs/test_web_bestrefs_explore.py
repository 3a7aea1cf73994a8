"""/bestrefs_explore/: phase 1 (context and instrument), phase 2 (menus of the values the rules
name, date fields) and "Get References", on the real JWST and HST catalogs (SQLite)."""

from __future__ import annotations

import pytest
from django.test import Client
from server_helpers import Server
from web_bestrefs_helpers import error_text, results_table, soup, timed

import opencrds
from opencrds.server.catalog import contexts

pytestmark = [pytest.mark.shared_data]

INSTRUMENT = {"jwst": "nircam", "hst": "acs"}
DATE_KEYS = {"jwst": ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
             "hst": ("DATE-OBS", "TIME-OBS")}


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def test_phase_one(server: Server) -> None:
    with timed(f"GET /bestrefs_explore/ {server.observatory}"):
        response = Client().get("/bestrefs_explore/")
    page = soup(response)
    form = page.find("form", id="explore_instrument_form")
    assert form["method"] == "get"
    options = [o["value"] for o in form.find(id="instrument_select").find_all("option")]
    assert INSTRUMENT[server.observatory] in options
    assert form.find(id="choose_instrument_button")
    assert "diagnostic aid" in page.get_text()


def test_phase_two_and_references(server: Server) -> None:
    client = Client()
    instrument = INSTRUMENT[server.observatory]
    query = {"pmap_mode": "pmap_operational", "instrument": instrument}
    with timed(f"GET /bestrefs_explore/?instrument={instrument} (first view)"):
        client.get("/bestrefs_explore/", query)  # cold: loads and harvests the rules once
    with timed(f"GET /bestrefs_explore/?instrument={instrument}"):
        response = client.get("/bestrefs_explore/", query)
    page = soup(response)
    assert not error_text(page), error_text(page)
    context = page.find(id="explore_context").get_text(strip=True)
    assert page.h1.get_text(" ", strip=True) == f"Explore Best References ( {context} : {instrument} )"
    rows = {r["data-parameter"]: r for r in page.select("#explore_parameters tr[data-parameter]")}
    detector = "META.INSTRUMENT.DETECTOR" if server.observatory == "jwst" else "DETECTOR"
    values = [o["value"] for o in rows[detector].find("select").find_all("option")]
    assert "*" in values or len(values) > 2, values
    assert ("NRCA1" if server.observatory == "jwst" else "WFC") in values
    for key in DATE_KEYS[server.observatory]:
        assert page.find("input", attrs={"name": key})["value"]
        assert key not in rows
    # Get References with a few parameters chosen: the library's answer for that header
    slug = detector.replace(".", "_").replace("-", "_")
    chosen = {**query, "pmap_mode": "pmap_text", "pmap_text": context,
              f"param_{slug}": "NRCA1" if server.observatory == "jwst" else "WFC",
              DATE_KEYS[server.observatory][0]: "2023-01-01",
              DATE_KEYS[server.observatory][1]: "00:00:00", "get_references": "1"}
    if server.observatory == "hst":
        chosen.update(param_CCDAMP="ABCD", override_CCDGAIN="2.0", param_CCDGAIN="1.0")
    else:
        chosen.update(param_META_EXPOSURE_TYPE="NRC_IMAGE", override_META_SUBARRAY_NAME="FULL")
    with timed(f"GET /bestrefs_explore/ Get References {instrument}"):
        response = client.get("/bestrefs_explore/", chosen)
    page = soup(response)
    assert not error_text(page), error_text(page)
    shown = results_table(page)
    pmap = contexts.load_pipeline(context)
    header = {pmap.instrument_key(): instrument.upper(), detector: chosen[f"param_{slug}"],
              DATE_KEYS[server.observatory][0]: "2023-01-01",
              DATE_KEYS[server.observatory][1]: "00:00:00"}
    if server.observatory == "hst":
        header.update(CCDAMP="ABCD", CCDGAIN="2.0")
    else:
        header.update({"META.EXPOSURE.TYPE": "NRC_IMAGE", "META.SUBARRAY.NAME": "FULL"})
    expected = opencrds.get_best_references(pmap, header)
    assert set(shown) == set(expected)
    assert sum(v.endswith((".fits", ".asdf")) for v in shown.values()) >= 3, shown
    params = page.find(id="input_parameters").get_text(" ", strip=True)
    assert "2023-01-01" in params


def test_explore_bad_input(server: Server) -> None:
    client = Client()
    for query, named in [({"instrument": "nosuch"}, "nosuch"),
                         ({"instrument": INSTRUMENT[server.observatory], "pmap_mode": "pmap_text",
                           "pmap_text": "nope_0001.pmap"}, "nope_0001.pmap")]:
        response = client.get("/bestrefs_explore/", query)
        assert response.status_code == 200
        assert named in error_text(soup(response))



"""/bestrefs/: a dataset file uploaded, or dataset ids, give the references crds would choose
(checked type by type against the real crds client on the same header and context), a second
context is compared, and bad input gets a clear message. SQLite, in-process, real catalogs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from inprocess import manage
from server_helpers import Server
from web_bestrefs_helpers import (
    TEST_DATA,
    error_text,
    oracle_answers,
    results_table,
    soup,
    timed,
)

pytestmark = [pytest.mark.shared_data]

HST_DATASET = TEST_DATA / "hst" / "j8bt06o6q_raw.fits"
JWST_DATASETS = [TEST_DATA / "jwst" / "jwst_miri_flat_slitlessprism.fits",
                 TEST_DATA / "jwst" / "valid.asdf"]
NIRCAM_HEADER = {"META.INSTRUMENT.NAME": "NIRCAM", "META.INSTRUMENT.DETECTOR": "NRCA1",
                 "META.INSTRUMENT.FILTER": "F200W", "META.INSTRUMENT.PUPIL": "CLEAR",
                 "META.INSTRUMENT.CHANNEL": "SHORT", "META.EXPOSURE.TYPE": "NRC_IMAGE",
                 "META.EXPOSURE.READPATT": "RAPID", "META.SUBARRAY.NAME": "FULL",
                 "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00"}


@pytest.fixture(scope="module")
def backend() -> str:
    """The pages do not depend on the database: SQLite only."""
    return "sqlite"


def upload(client: Client, path: Path, name: str | None = None, data: bytes | None = None,
           **fields: str) -> Any:
    content = path.read_bytes() if data is None else data
    return client.post("/bestrefs/", {
        "pmap_mode": "pmap_operational", "dataset_mode": "upload",
        "dataset_file": SimpleUploadedFile(name or path.name, content), **fields})


def test_form_page(server: Server) -> None:
    client = Client()
    client.get("/bestrefs/")
    with timed(f"GET /bestrefs/ {server.observatory}"):
        response = client.get("/bestrefs/")
    page = soup(response)
    form = page.find("form", id="bestrefs_form")
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert {i["value"] for i in form.select("input[name=dataset_mode]")} == {"upload", "ids"}
    assert form.find(id="dataset_file")["name"] == "dataset_file"
    assert form.find(id="dataset_ids").name == "textarea"
    assert form.find(id="bestrefs_button")
    assert form.select("input[name=compare_pmap_mode]")
    assert len(page.find_all("h1")) == 1


def test_hst_upload_equals_crds(hst_server: Server, oracle_env: Any) -> None:
    client = Client()
    upload(client, HST_DATASET)  # warm
    with timed("POST /bestrefs/ HST upload"):
        response = upload(client, HST_DATASET)
    page = soup(response)
    assert response.status_code == 200 and not error_text(page), error_text(page)
    context = page.find(id="result_context").get_text(strip=True)
    shown = results_table(page)
    assert shown == oracle_answers(oracle_env, context, HST_DATASET)
    assert any(v.endswith(".fits") for v in shown.values())
    assert page.find(id="result_dataset").get_text(strip=True) == HST_DATASET.name
    parameters = page.find(id="input_parameters").get_text(" ", strip=True)
    assert "DATE-OBS" in parameters and "TIME-OBS" in parameters
    row = next(r for r in page.select("#bestrefs_results tr[data-type]")
               if r.find(class_="best-reference").a)
    name = row.find(class_="best-reference").get_text(strip=True)
    assert row.find(class_="best-reference").a["href"] == f"/browse/{name}"
    assert row.find(class_="download").a["href"] == f"/unchecked_get/references/hst/{name}"
    na = [r for r in page.select("#bestrefs_results tr[data-type]")
          if r.find(class_="best-reference").get_text(strip=True) == "N/A"]
    assert all("na" in r.find(class_="best-reference")["class"] for r in na)
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024):  # spooled to a file: read there
        assert results_table(soup(upload(client, HST_DATASET))) == shown


def test_hst_geis_header_upload_equals_crds(hst_server: Server, oracle_env: Any) -> None:
    path = TEST_DATA / "hst" / "dbu1405fu.r1h"
    page = soup(upload(Client(), path))
    assert not error_text(page), error_text(page)
    context = page.find(id="result_context").get_text(strip=True)
    shown = results_table(page)
    assert shown == oracle_answers(oracle_env, context, path)  # NOT FOUND messages too
    assert any(v.startswith("NOT FOUND UseAfter") for v in shown.values())  # its odd DATE-OBS


@pytest.mark.parametrize("path", JWST_DATASETS, ids=lambda p: p.name)
def test_jwst_upload_equals_crds(server: Server, oracle_env: Any, path: Path) -> None:
    if server.observatory != "jwst":
        pytest.skip("a JWST dataset")
    client = Client()
    with timed(f"POST /bestrefs/ JWST upload {path.suffix}"):
        response = upload(client, path)
    page = soup(response)
    assert response.status_code == 200 and not error_text(page), error_text(page)
    context = page.find(id="result_context").get_text(strip=True)
    assert results_table(page) == oracle_answers(oracle_env, context, path)


def test_jwst_json_dataset_equals_crds(server: Server, oracle_env: Any, tmp_path: Path) -> None:
    if server.observatory != "jwst":
        pytest.skip("a JWST dataset")
    path = tmp_path / "nircam_dataset.json"
    path.write_text(json.dumps(NIRCAM_HEADER))
    page = soup(upload(Client(), path))
    assert not error_text(page), error_text(page)
    context = page.find(id="result_context").get_text(strip=True)
    shown = results_table(page)
    assert shown == oracle_answers(oracle_env, context, path)
    assert sum(v.startswith("jwst_nircam_") for v in shown.values()) > 5


def test_second_context_marks_changes(hst_server: Server, oracle_env: Any) -> None:
    client = Client()
    fields = {"compare": "1", "compare_pmap_mode": "pmap_text",
              "compare_pmap_text": "hst_0500.pmap"}
    upload(client, HST_DATASET, **fields)
    with timed("POST /bestrefs/ HST upload, two contexts"):
        response = upload(client, HST_DATASET, **fields)
    page = soup(response)
    assert not error_text(page), error_text(page)
    assert page.find(id="result_context_2").get_text(strip=True) == "hst_0500.pmap"
    second = results_table(page, cell="best-reference-2")
    expected = oracle_answers(oracle_env, "hst_0500.pmap", HST_DATASET)
    assert {k: v for k, v in second.items() if k in expected} == expected
    first = results_table(page)
    changed = {r["data-type"] for r in page.select("#bestrefs_results tr.changed")}
    assert changed == {k for k in first if first[k] != second.get(k)}
    assert changed  # 229 contexts apart: some references changed


@pytest.fixture
def hst_datasets(hst_server: Server, django_db_blocker: Any) -> Server:
    with override_settings(OPENCRDS_OBSERVATORY="hst"):
        manage("import_datasets", str(HST_DATASET), str(TEST_DATA / "hst" / "j8bt09jcq_raw.fits"))
    return hst_server


def test_dataset_ids(hst_datasets: Server, oracle_env: Any) -> None:
    client = Client()
    data = {"pmap_mode": "pmap_operational", "dataset_mode": "ids",
            "dataset_ids": "j8bt06o6q\nJ8BT09040:J8BT09JCQ"}
    client.post("/bestrefs/", data)
    with timed("POST /bestrefs/ HST two dataset ids"):
        response = client.post("/bestrefs/", data)
    page = soup(response)
    assert not error_text(page), error_text(page)
    context = page.find(id="result_context").get_text(strip=True)
    assert page.find(id="result_dataset").get_text(strip=True) == "J8BT06040:J8BT06O6Q"
    assert results_table(page) == oracle_answers(oracle_env, context, HST_DATASET)
    assert results_table(page, "bestrefs_results_2") == oracle_answers(
        oracle_env, context, TEST_DATA / "hst" / "j8bt09jcq_raw.fits")
    # the same by GET, and as JSON
    got = client.get("/bestrefs/", {"dataset_ids": "J8BT06O6Q", "format": "json"}).json()
    assert got["results"][0]["dataset"] == "J8BT06040:J8BT06O6Q"
    assert got["results"][0]["context"] == context


def test_bad_input_is_named(hst_datasets: Server, tmp_path: Path) -> None:
    client = Client()
    cases = [
        (upload(client, HST_DATASET, name="garbled.fits", data=b"SIMPLE  = T" + b"x" * 3000),
         "garbled.fits"),
        (upload(client, HST_DATASET, name="notes.txt", data=b"\x00\x01 binary junk"),
         "notes.txt"),
        (client.post("/bestrefs/", {"dataset_mode": "ids", "dataset_ids": "NOPE123 J8BT06O6Q"}),
         "NOPE123"),
        (client.post("/bestrefs/", {"dataset_mode": "ids", "dataset_ids": "J8BT06O6Q",
                                    "pmap_mode": "pmap_text", "pmap_text": "hst_9999.pmap"}),
         "hst_9999.pmap"),
        (client.post("/bestrefs/", {"dataset_mode": "upload"}), "Dataset file"),
        (upload(client, TEST_DATA / "jwst" / "valid.json"), "miri"),
    ]
    for response, named in cases:
        assert response.status_code == 200
        message = error_text(soup(response))
        assert named in message, message
        assert "Traceback" not in response.content.decode()
    bad = client.get("/bestrefs/", {"dataset_ids": "NOPE123", "format": "json"})
    assert bad.status_code == 400 and "NOPE123" in bad.json()["error"]

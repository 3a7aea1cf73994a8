"""A dataset file uploaded to /bestrefs/ in Chromium shows, for every reference type, the
reference the real crds 14.0.3 client chooses for that file under the same context (issue #14,
acceptance 1). The oracle runs crds in a subprocess, serverless, on the shared cache."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from browser_helpers import visit
from catalog_facts import facts
from pages import normalised
from server_helpers import CRDS_CACHE, serverless_env

pytestmark = [pytest.mark.oracle]

#: (observatory, a real dataset file of the shared test data).
DATASETS = [("hst", "hst/j8bt05njq_raw.fits")]

ORACLE = """
import json, sys
import crds
from crds import data_file
path, context, observatory = sys.argv[1:4]
header = data_file.get_header(path, observatory=observatory)
print(json.dumps(crds.getrecommendations(header, context=context, observatory=observatory)))
"""


def crds_bestrefs(observatory: str, path: str, context: str) -> dict[str, str]:
    """{type: file or 'NOT FOUND ...'} as crds computes it for the dataset file."""
    done = subprocess.run([sys.executable, "-c", ORACLE, path, context, observatory],
                          env=serverless_env(observatory), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def shown(value: str) -> str:
    """How the page shows crds's answer for a type: the file, N/A, or NOT FOUND."""
    value = normalised(value)
    if value.upper() in ("N/A", "NOT FOUND N/A"):
        return "N/A"
    if value.upper().startswith("NOT FOUND"):
        return "NOT FOUND"
    return value


@pytest.mark.parametrize(("observatory", "dataset"), DATASETS,
                         ids=[o for o, _ in DATASETS])
def test_uploaded_dataset_gets_the_references_crds_chooses(
        observatory: str, dataset: str, watch: Any, sites: Any) -> None:
    server = sites(observatory)
    page = watch.page
    path = CRDS_CACHE.parent / "crds-test-data" / dataset
    context = facts(observatory).operational
    # the page's default context (edit, or operational) is the same one in the shared cache
    assert facts(observatory).edit == context

    response = visit(page, watch, f"{server.url}/bestrefs/")
    assert response is not None and response.status == 200
    form = page.locator("form#bestrefs_form")
    form.locator("input[name=dataset_mode][value=upload]").check()
    page.set_input_files("#dataset_file", str(path))
    page.click("#bestrefs_button")
    results = page.locator("#bestrefs_results")
    results.locator("tr[data-type]").first.wait_for(timeout=60_000)
    page.wait_for_load_state("load")
    watch.shot("bestrefs-results")
    assert context in normalised(page.locator("main").inner_text())

    expected = {kind.lower(): shown(value)
                for kind, value in crds_bestrefs(observatory, str(path), context).items()}
    got = {}
    for row in results.locator("tr[data-type]").all():
        kind = row.get_attribute("data-type").lower()
        got[kind] = shown(row.locator(".best-reference").inner_text())
    assert got == expected
    assert sum(value.endswith(".fits") for value in got.values()) >= 5

"""/browse/<file>: a real pmap, imap, rmap and reference of the HST and JWST catalogs, the
JSON form, the UseAfter picture, and unknown files."""

from __future__ import annotations

import re

import pytest
from browse_helpers import SQLITE_ONLY, element, table
from django.contrib.auth import get_user_model
from django.test import Client
from server_helpers import CONTEXTS, Server

from opencrds.server.catalog import contexts, queries

pytestmark = [pytest.mark.shared_data, SQLITE_ONLY]

#: (instrument imap, rmap, reference it selects) under each operational context.
UNDER = {
    "hst": ("hst_acs_0421.imap", "hst_acs_darkfile_0363.rmap", "3941756gj_drk.fits"),
    "jwst": ("jwst_miri_0177.imap", "jwst_miri_flat_0038.rmap", "jwst_miri_flat_0473.fits"),
}


def _names(server: Server) -> tuple[str, str, str, str]:
    pmap = CONTEXTS[server.observatory]
    imap, rmap, reference = UNDER[server.observatory]
    return pmap, imap, rmap, reference


def _database(page: str) -> dict[str, str]:
    return {row[0]: row[1] for row in table(page, "file_database")}


def test_a_pmap_page_links_its_table_download_and_diff(server: Server) -> None:
    pmap = CONTEXTS[server.observatory]
    page = server.get(f"/browse/{pmap}").text
    assert re.search(rf"<h1>Browse <span[^>]*>{re.escape(pmap)}</span></h1>", page)
    assert page.count("<h1") == 1
    record = queries.file_record(server.observatory, pmap)
    database = _database(page)
    assert database["CRDS Name"] == pmap and database["Sha1sum"] == record["sha1sum"]
    assert database["Size (bytes)"] == str(record["size"]) and database["Status"]
    assert all(len(row) == 2 for row in table(page, "file_database"))
    assert f'href="/context_table/{pmap}"' in page
    assert f'href="/unchecked_get/mappings/{server.observatory}/{pmap}"' in page
    diff = element(page, "diff_versus")
    first_choice = re.search(r'<option value="([^"]+)"', diff).group(1)
    assert first_choice == queries.pipeline_contexts(server.observatory)[1]  # the predecessor
    contents = element(page, "file_contents")
    assert '<span class="kw">header</span>' in contents and '<span class="com">' not in "x"
    assert re.search(r'<a href="/browse/[a-z]+_[a-z0-9]+_\d+\.imap">', contents)
    assert 'id="admin_link"' not in page


def test_an_imap_and_rmap_are_used_by_the_operational_context(server: Server) -> None:
    pmap, imap, rmap, _reference = _names(server)
    for name in (imap, rmap):
        page = server.get(f"/browse/{name}").text
        used = element(page, "file_used_by")
        assert f'<a href="/browse/{pmap}">' in used, name
        versions = element(page, "file_versions")
        assert "Derived from" in versions
    answer = server.get(f"/browse/{rmap}?format=json").json()
    assert imap in answer["used_by"]["imaps"] and pmap in answer["used_by"]["pmaps"]
    assert answer["versions"]["derived_from"] == queries.file_record(
        server.observatory, rmap)["derived_from"]


def test_an_rmap_draws_its_useafter_history(server: Server) -> None:
    _pmap, _imap, rmap, _reference = _names(server)
    page = server.get(f"/browse/{rmap}").text
    chart = element(page, "useafter_chart")
    assert chart.lstrip().startswith("<svg") and 'role="img"' in chart
    marks = re.findall(r'<a href="/browse/([^"]+)"><rect[^>]*><title>([^<]+)</title>', chart)
    assert marks and all(tip.startswith(name) and "useafter" in tip for name, tip in marks)
    rules = table(page, "rmap_rules")
    assert len(rules) > 1 and {name for name, _tip in marks} <= set(
        re.findall(r'<a href="/browse/([^"]+)">', element(page, "section_useafter")))


def test_a_reference_shows_header_lookup_and_constraints(hst_server: Server) -> None:
    name = "v8q14451j_idc.fits"
    page = hst_server.get(f"/browse/{name}").text
    header = table(page, "fits_header")
    assert ["INSTRUME", "ACS"] == header[[row[0] for row in header].index("INSTRUME")][:2]
    assert table(page, "fits_hdus")[1][0] == "0"
    used = re.findall(r'<a href="/browse/([^"]+\.pmap)">', element(page, "file_used_by"))
    assert used and "hst_0729.pmap" not in used  # an older reference: older contexts
    for pmap in (used[0], used[-1]):
        assert name in contexts.load(pmap).reference_name_set()
    newest_rmap = re.search(r'data-kind="rmaps"><li><a href="/browse/([^"]+)"', page).group(1)
    assert f'<a href="/browse/{newest_rmap}">' in element(page, "lookup_rmap")
    lookup = table(page, "lookup_patterns")
    assert lookup[0][:1] == ["DETECTOR"] and len(lookup) > 1
    assert "acs_idctab.tpn" in element(page, "file_constraints") or table(
        page, "tpn_constraints")
    assert f'href="/unchecked_get/references/hst/{name}"' in page


def test_the_json_form_equals_the_catalog(server: Server) -> None:
    pmap, _imap, rmap, reference = _names(server)
    for name in filter(None, (pmap, rmap, reference)):
        answer = server.get(f"/browse/{name}?format=json")
        assert answer.status_code == 200
        data = answer.json()
        record = queries.file_record(server.observatory, name)
        expected = queries.file_info(record)
        assert {k: data["database"][k] for k in expected} == expected
        assert set(data) >= {"name", "database", "used_by", "actions"}
    data = server.get(f"/browse/{UNDER['hst'][2]}?format=json").json()
    if server.observatory == "hst":
        [place] = data["lookup_patterns"]["places"]
        assert place["useafter"] == "2004-01-04 09:01:30" and place["match"][0] == "WFC"


def test_a_reference_without_bytes_says_so(hst_server: Server) -> None:
    page = hst_server.get(f"/browse/{UNDER['hst'][2]}").text
    assert "does not hold this file" in element(page, "contents_problem")
    assert 'id="download_link"' not in page


@pytest.mark.parametrize("path", ["/browse/nosuch_0001.fits", "/browse/.hidden.pmap",
                                  "/browse/%00x.pmap", "/browse/a%20b.rmap"])
def test_unknown_files_are_friendly_404s(hst_server: Server, path: str) -> None:
    response = hst_server.get(path)
    assert response.status_code == 404 and "<h1>" in response.text
    answer = hst_server.get(path + "?format=json")
    assert answer.status_code == 404 and "not known" in answer.json()["error"]
    assert hst_server.get("/browse/..%2Fsecret").status_code == 404


def test_superusers_get_the_admin_link(hst_server: Server) -> None:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.org", "x"))
    page = client.get("/browse/hst_0729.pmap", HTTP_HOST="127.0.0.1:8000").content.decode()
    link = re.search(r'<a href="([^"]+)" id="admin_link">', page).group(1)
    assert client.get(link, HTTP_HOST="127.0.0.1:8000").status_code == 200


def test_past_actions_and_the_parent_diff_link(hst_server: Server) -> None:
    from opencrds.server.catalog.models import AuditEntry

    rmap = UNDER["hst"][1]
    AuditEntry.objects.create(user="olga", observatory="hst", action="mark bad",
                              filename=rmap, why="a test of the page")
    page = hst_server.get(f"/browse/{rmap}").text
    [row] = table(page, "file_actions")[1:]
    assert row[1:4] == ["olga", "mark bad", "a test of the page"]
    parent = queries.file_record("hst", rmap)["derived_from"]
    assert f'href="/difference/?file1={parent}&amp;file2={rmap}"' in page
    assert hst_server.get(f"/browse/{rmap}?format=json").json()["actions"][0]["user"] == "olga"

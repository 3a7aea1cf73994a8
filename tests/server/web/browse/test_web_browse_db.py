"""/browse_db/: the filters, pagination and exports on the real HST and JWST catalogs."""

from __future__ import annotations

import csv
import io
import re
from fnmatch import fnmatch

import pytest
from browse_helpers import SQLITE_ONLY, element, table
from server_helpers import Server

from opencrds.server.catalog.models import FileRecord
from opencrds.server.web.browse.database import FIELDS, PAGE_SIZE

pytestmark = [pytest.mark.shared_data, SQLITE_ONLY]


def _count(observatory: str, **filters: str) -> int:
    return FileRecord.objects.filter(observatory=observatory, **filters).count()


def test_unfiltered_page_shows_the_first_of_every_file(server: Server) -> None:
    page = server.get("/browse_db/").text
    total = _count(server.observatory)
    assert f"Showing 1 to {PAGE_SIZE} of {total} files." in element(page, "browse_count")
    rows = table(page, "browse_results")
    assert rows[0][:4] == ["delivery date", "activation date", "useafter date", "name"]
    assert len(rows) == PAGE_SIZE + 1
    assert 'href="?page=2"' in page and "To ignore a field during search" in page
    assert re.search(r'<a href="/browse/[^"]+">', element(page, "browse_results"))


def test_filters_select_what_the_database_holds(hst_server: Server) -> None:
    query = "instrument=acs&filekind=darkfile&extension=.rmap&state=*"
    page = hst_server.get(f"/browse_db/?{query}").text
    expected = FileRecord.objects.filter(observatory="hst", instrument="acs",
                                         filekind="darkfile", name__endswith=".rmap")
    rows = table(page, "browse_results")[1:]
    assert len(rows) == expected.count() > 50
    assert {row[3] for row in rows} == set(expected.values_list("name", flat=True))
    assert all(row[8] == "acs" and row[9] == "darkfile" for row in rows)


def test_filename_glob_and_pages(hst_server: Server) -> None:
    names = FileRecord.objects.filter(observatory="hst").values_list("name", flat=True)
    expected = sorted(n for n in names if fnmatch(n.lower(), "*_drk.fits"))
    assert len(expected) > PAGE_SIZE
    second = hst_server.get("/browse_db/?filename=*_drk.fits&page=2").text
    last = min(2 * PAGE_SIZE, len(expected))
    assert (f"Showing {PAGE_SIZE + 1} to {last} of {len(expected)} files."
            in element(second, "browse_count"))
    assert 'rel="prev"' in second and "filename=%2A_drk.fits&amp;page=1" in second
    shown = [row[3] for row in table(second, "browse_results")[1:]]
    assert all(name.endswith("_drk.fits") for name in shown)
    past_end = hst_server.get("/browse_db/?filename=*_drk.fits&page=9999").text
    assert f"of {len(expected)} files." in past_end and 'rel="next"' not in past_end


def test_csv_and_json_exports_hold_every_matching_file(server: Server) -> None:
    instrument = "miri" if server.observatory == "jwst" else "cos"
    expected = _count(server.observatory, instrument=instrument)
    response = server.get(f"/browse_db/?instrument={instrument}&format=csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0][3] == "name" and len(lines) == expected + 1
    answer = server.get(f"/browse_db/?instrument={instrument}&format=json")
    files = answer.json()
    assert len(files) == expected and set(files[0]) == set(FIELDS)
    assert {f["instrument"] for f in files} == {instrument}


@pytest.mark.parametrize(("query", "named"), [
    ("start_date=yesterday", "Start Date"),
    ("stop_date=2020-13-45", "Stop Date"),
    ("instrument=nonesuch", "instrument"),
    ("extension=.exe", "extension"),
])
def test_bad_filters_get_a_clear_error(hst_server: Server, query: str, named: str) -> None:
    response = hst_server.get(f"/browse_db/?{query}")
    assert response.status_code == 200
    message = element(response.text, "error_message")
    assert named.lower() in message.lower() or "valid choice" in message
    assert 'id="browse_results"' not in response.text
    answer = hst_server.get(f"/browse_db/?{query}&format=json")
    assert answer.status_code == 400 and answer.json()["error"]


def test_dates_filter_delivery_dates(hst_server: Server) -> None:
    page = hst_server.get("/browse_db/?start_date=2999-01-01&page=x").text
    assert "Showing 0 to 0 of 0 files." in element(page, "browse_count")
    assert "No file matches these filters." in page


def test_globs_match_as_fnmatch_does(hst_server: Server) -> None:
    from opencrds.server.web.browse.database import search

    names = [n.lower() for n in FileRecord.objects.filter(observatory="hst")
             .values_list("name", flat=True)]
    for pattern in ("hst_acs_dark*", "*0363*", "hst_acs_dark?ile*", "hst_[!a]*_00?1.rmap",
                    "*a*b*", "[x", "HST_ACS_*.IMAP", "hst_[a-c]os_*"):
        expected = sum(1 for name in names if fnmatch(name, pattern.lower()))
        assert search("hst", {"filename": pattern}).count() == expected, pattern

"""/difference/ with two files is public: successive real contexts give the changed mappings
with logical and text diffs, two real FITS references their FITSDiff report; unknown names a
clear 404; without names it is still the authenticated Difference Files form."""

from __future__ import annotations

import pytest
from django.test import Client
from server_helpers import Server
from web_bestrefs_helpers import error_text, soup, timed

from opencrds.rules.diff import logical_diffs

pytestmark = [pytest.mark.shared_data]

PAIRS = {"jwst": ("jwst_0540.pmap", "jwst_0541.pmap"), "hst": ("hst_0728.pmap", "hst_0729.pmap")}


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def test_successive_contexts(server: Server) -> None:
    from opencrds.server.web.bestrefs.difference import parsed_mapping

    old, new = PAIRS[server.observatory]
    client = Client()
    with timed(f"GET /difference/ {old} {new} (first view)"):
        client.get("/difference/", {"file1": old, "file2": new})
    with timed(f"GET /difference/ {old} {new}"):
        response = client.get("/difference/", {"file1": old, "file2": new})
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text(" ", strip=True) == f"Difference {old} against {new}"
    expected = logical_diffs(old, new, lambda n: parsed_mapping(server.observatory, n))
    rmap_diff = next(d for d in expected if str(d[-2]).endswith(".rmap") is False
                     and any(str(p[1]).endswith(".rmap") for p in d if isinstance(p, tuple)
                             and len(p) == 2 and all(isinstance(x, str) for x in p)))
    rmap_old, rmap_new = next(p for p in rmap_diff if isinstance(p, tuple) and len(p) == 2
                              and str(p[1]).endswith(".rmap"))
    pairs = {(d["data-old"], d["data-new"]): d for d in page.select("details.mapping-pair")}
    assert (old, new) in pairs and (rmap_old, rmap_new) in pairs
    block = pairs[(rmap_old, rmap_new)]
    assert block.find("a", href=f"/browse/{rmap_new}")
    table = block.find("table", class_="logical-diff-table")
    columns = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    assert columns[-1] == "DIFFERENCE" and len(columns) > 2
    message = rmap_diff[-1]
    file_name = message.split()[-1].strip("'")
    cells = [td.get_text(" ", strip=True) for td in table.select("td.difference")]
    assert message in cells, (message, cells[:5])
    assert table.find("a", href=f"/browse/{file_name}")
    text = block.find("pre", class_="text-diff")
    assert text.select("span.add") or text.select("span.del")
    assert text.find("span", class_="hunk")
    # two values of "file", as the context tables' diff checkboxes send them
    again = client.get(f"/difference/?file={old}&file={new}")
    assert again.status_code == 200 and (rmap_old, rmap_new) in {
        (d["data-old"], d["data-new"]) for d in soup(again).select("details.mapping-pair")}


def test_far_apart_contexts_stay_bounded(hst_server: Server) -> None:
    client = Client()
    query = {"file1": "hst_0500.pmap", "file2": "hst_0729.pmap"}
    with timed("GET /difference/ hst_0500.pmap hst_0729.pmap (first view)"):
        client.get("/difference/", query)
    with timed("GET /difference/ hst_0500.pmap hst_0729.pmap"):
        response = client.get("/difference/", query)
    page = soup(response)
    rows = page.select("table.logical-diff-table tbody tr")
    assert 0 < len(rows) <= 500
    assert page.select("p.cut a[href^='/difference/?file1=']")
    assert int(page.find(id="difference_summary").get_text().split()[0]) > 9000


def test_reference_fits_diff(hst_server: Server) -> None:
    client = Client()
    query = {"file1": "z1r1943el_1dx.fits", "file2": "z2d19237l_1dx.fits"}
    with timed("GET /difference/ two HST FITS references (first view)"):
        client.get("/difference/", query)
    with timed("GET /difference/ two HST FITS references"):
        response = client.get("/difference/", query)
    page = soup(response)
    assert response.status_code == 200, error_text(page)
    report = page.find(id="reference_diff").get_text("\n")
    assert "z1r1943el_1dx.fits" in report and "z2d19237l_1dx.fits" in report
    assert "Primary HDU" in report or "Extension HDU" in report
    assert "/" not in report.split("a: ")[1].split("\n")[0]  # no server paths


def test_unknown_and_mixed_names(hst_server: Server) -> None:
    client = Client()
    for query, named, status in [
            ({"file1": "hst_0729.pmap", "file2": "nosuch_0001.rmap"}, "nosuch_0001.rmap", 404),
            ({"file1": "../../etc/passwd", "file2": "hst_0729.pmap"}, "passwd", 404),
            ({"file1": "hst_0729.pmap", "file2": "z1r1943el_1dx.fits"}, "z1r1943el_1dx.fits",
             400),
            ({"file1": "hst_0729.pmap"}, "file2", 404)]:
        response = client.get("/difference/", query)
        assert response.status_code == status
        assert named in error_text(soup(response))


def test_form_still_needs_login(hst_server: Server) -> None:
    response = Client().get("/difference/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().post("/difference/", {"file1": "a", "file2": "b"}).status_code == 403

"""The home page and the context pages on the real HST and JWST catalogs (SQLite only: what
they show does not depend on the database)."""

from __future__ import annotations

import html
import re
import time

import pytest

pytestmark = [pytest.mark.shared_data, pytest.mark.parametrize("backend", ["sqlite"])]


def _get(server, path: str, status: int = 200) -> str:  # noqa: ANN001
    started = time.perf_counter()
    response = server.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{server.observatory} {path}: {response.status_code} {elapsed:.0f} ms "
          f"{len(response.content) // 1024} KiB")
    assert response.status_code == status, response.text[:500]
    return response.text


def _ids(page: str, table: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-context="([^"]+)"', body)


def test_home_shows_the_contexts_instruments_and_history(server) -> None:  # noqa: ANN001
    info = server.rpc("get_server_info")
    operational = info["operational_context"]
    page = _get(server, "/")
    assert f'id="operational_context">{operational}<' in page
    assert f'id="edit_context">{info["edit_context"]}<' in page
    assert f"References (under context <a href=\"/context_table/{operational}\">" in page
    pmap = server.rpc("get_mapping_names", operational)
    for imap in (n for n in pmap if n.endswith(".imap")):
        assert f'<a href="/browse/{imap}">{imap}</a>' in page
    history = [row[1] for row in info.get("context_history", [])] or None
    shown = _ids(page, "context_history")
    assert len(shown) == 4
    if history:
        assert shown == history[:4]
    assert 'class="status-latest">latest<' in page
    assert 'id="menu_bestrefs"' in page and 'href="/login/"' in page
    assert 'id="menu_restricted"' not in page  # anonymous: no private menus
    deliveries = page.split('id="recent_deliveries"', 1)[1].split("</table>", 1)[0]
    assert deliveries.count('<a href="/browse/') == 8


def test_context_history_and_all_contexts(server) -> None:  # noqa: ANN001
    config = server.rpc("get_server_info")
    page = _get(server, "/display_context_history/")
    rows = _ids(page, "context_history")
    from opencrds.server.catalog.models import ContextHistory

    count = ContextHistory.objects.filter(observatory=server.observatory).count()
    assert len(rows) == count > 100 and rows[0] == config["operational_context"]
    assert 'id="context_timeline"' in page and "<svg" in page
    assert page.count('<tr><td class="mono">') >= count  # the timeline's table
    listing = server.get("/display_context_history/?format=json").json()
    assert [row["context"] for row in listing] == rows
    everything = _get(server, "/display_all_contexts/")
    names = _ids(everything, "all_contexts")
    assert config["operational_context"] in names and len(names) > len(set(rows)) / 2


def test_a_context_table_row_shows_a_real_reference(server) -> None:  # noqa: ANN001
    operational = server.rpc("get_server_info")["operational_context"]
    instrument, filekind = ("acs", "biasfile") if server.observatory == "hst" \
        else ("miri", "dark")
    overview = _get(server, f"/context_table/{operational}")
    assert f"Historical References (under context {operational})" in overview
    assert f'id="instrument_{instrument}"' in overview
    page = _get(server, f"/context_table/{operational}/{instrument}/")
    table = page.split(f'id="rules_{instrument}_{filekind}"', 1)[1].split("</table>", 1)[0]
    references = re.findall(r'<a href="/browse/([^"]+)">', table)
    assert references
    names = server.rpc("get_reference_names", operational)
    assert set(references) <= set(names)
    assert 'name="file" value="' in table and "USEAFTER" in table
    again = _get(server, f"/context_table/{operational}?instrument={instrument}")
    assert html.unescape(again).count("<tr") == html.unescape(page).count("<tr")


def test_unknown_contexts_are_friendly_404s(hst_server) -> None:  # noqa: ANN001
    for path in ("/context_table/hst_9999.pmap", "/context_table/hst_0729.pmap/nope/",
                 "/context_table/hst_acs.imap"):
        page = _get(hst_server, path, 404)
        assert "Not found" in page


def test_build_contexts_version_info_and_help(server) -> None:  # noqa: ANN001
    page = _get(server, "/display_build_contexts/")
    assert 'id="build_contexts"' in page
    versions = _get(server, "/version_info/")
    assert 'data-package="opencrds"' in versions and 'data-package="Django"' in versions
    helper = _get(server, "/docs/cmdline_bestrefs/")
    assert 'CRDS_SERVER_URL="http://127.0.0.1:8000"' in helper
    assert "setenv CRDS_PATH" in helper


def test_recent_activity_filters(hst_server) -> None:  # noqa: ANN001
    page = _get(hst_server, "/recent_activity_input/")
    assert 'id="activity_form"' in page and 'id="deliveries_per_month"' in page
    months = page.split('id="deliveries_per_month"', 1)[1].split("</table>", 1)[0]
    assert months.count("<tr>") > 50 and "<th scope=\"col\">wfc3</th>" in months
    assert page.count('class="series-') > 100  # the chart's bars
    assert 'id="activity_results"' not in page
    everything = _get(hst_server, "/recent_activity_input/?action=*&extension=*")
    assert 'id="activity_results"' in everything and "import cache" in everything
    none = _get(hst_server, "/recent_activity_input/?action=*&extension=.pmap&filename=zz*")
    assert "Nothing matches these filters." in none
    bad = _get(hst_server, "/recent_activity_input/?start_date=yesterday")
    assert "Start Date: &#x27;yesterday&#x27; is not a date" in bad
    wrong = _get(hst_server, "/recent_activity_input/?action=explode&page=x")
    assert '<div id="error_message" class="error_message">Action: Select a valid choice.' \
        in wrong

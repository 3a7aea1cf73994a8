"""The home page's menus per role, its build-context banner and its error page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = [pytest.mark.shared_data, pytest.mark.parametrize("backend", ["sqlite"])]

MENUS = ("menu_restricted", "menu_routine", "menu_advanced", "menu_submissions", "menu_super")


def _client(name: str, *instruments: str, operator: bool = False,
            admin: bool = False) -> Client:
    from opencrds.server.accounts import services

    user, _ = services.add_user(name, f"{name}@example.org", "hst", password="pw-12345678",
                                instruments=instruments, operator=operator)
    if admin:
        user.is_superuser = True
        user.save()
    client = Client()
    client.force_login(user)
    return client


def _menus(page: str) -> set[str]:
    return set(re.findall(r'<section class="card" id="(menu_\w+)"', page)) & set(MENUS)


def test_each_role_sees_the_menus_it_may_use(hst_server) -> None:  # noqa: ANN001
    assert _menus(Client().get("/").content.decode()) == set()
    submitter = _client("sam", "acs").get("/").content.decode()
    assert _menus(submitter) == {"menu_restricted", "menu_routine", "menu_advanced",
                                 "menu_submissions"}
    assert 'href="/batch_submit_references/" title="' in submitter
    assert "/set_default_context/" not in submitter and "/mark_bad/" not in submitter
    operator = _client("olga", operator=True).get("/").content.decode()
    assert 'href="/set_default_context/" title="Choose the context everyone should use' \
        in operator and 'href="/mark_bad/"' in operator
    assert "menu_super" not in operator
    admin = _client("root", admin=True).get("/").content.decode()
    assert _menus(admin) == set(MENUS) and 'href="/admin/"' in admin


def test_the_build_context_banner_links_the_release(server) -> None:  # noqa: ANN001
    from opencrds.server.catalog.models import BuildContext

    operational = server.rpc("get_server_info")["operational_context"]
    assert 'id="build_banner"' not in server.get("/").text  # the real caches have none
    BuildContext.objects.create(observatory=server.observatory, calver="1.15.1",
                                context=operational, banner=True)
    page = server.get("/").text
    assert f'id="build_context">{operational}</a>' in page
    if server.observatory == "jwst":
        assert ('href="https://github.com/spacetelescope/jwst/releases/tag/1.15.1" '
                'id="build_calver">1.15.1</a>') in page
    table = server.get("/display_build_contexts/").text
    assert f'<a href="/context_table/{operational}">{operational}</a>' in table


def test_exports_of_the_context_lists(hst_server) -> None:  # noqa: ANN001
    rows = hst_server.get("/display_all_contexts/?format=json").json()
    assert rows[0].keys() == {"date", "context", "status", "description"}
    assert any(row["status"] == "latest" for row in rows)
    csv = hst_server.get("/display_context_history/?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "date,context,status,description"
    versions = hst_server.get("/version_info/?format=json").json()
    assert "opencrds" in versions and "python" in versions

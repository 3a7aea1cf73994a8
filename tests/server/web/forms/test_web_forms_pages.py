"""The authenticated pages' markup (SERVER.md §1.11-§1.23; the ids of the browser tests'
contract): login, every submission form with its context picker and upload manager, the
operator pages, and who may open the new pages. In-process on the real JWST catalog."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.shared_data]

UPLOAD_FORMS = ["/batch_submit_references/", "/submission_form/redcat_submit/",
                "/submit/reference/", "/submit/mapping/", "/certify/"]
TEXT_FORMS = {"/add_existing/reference/": "added_files", "/delete/reference/": "deleted_files"}
NEW_PAGES = ["/delivery_status/", "/submission_history/"]


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def labelled(page: str) -> list[str]:
    """The ids of the page's visible inputs that no ``<label for=...>`` names."""
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio|submit)")'
                     r'[^>]*\bid="([^"]+)"', page)
    labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', page))
    return [i for i in ids if i not in labels]


def test_login_page_ids(delivery_area: Path) -> None:
    page = Client().get("/login/?next=/certify/").content.decode()
    assert 'id="login_form"' in page and 'id="login_button"' in page
    for name in ("username", "password"):
        assert f'name="{name}" id="id_{name}"' in page
    assert re.search(r'<select name="instrument" id="id_instrument"', page)
    assert '<option value="none"' in page and '<option value="miri"' in page
    assert 'name="next" value="/certify/"' in page
    assert labelled(page) == []


def test_forbidden_page_keeps_the_reason(delivery_area: Path, make_user: Any) -> None:
    client = as_user(make_user("sam"))
    answer = client.get("/set_default_context/")
    assert answer.status_code == 403
    text = answer.content.decode()
    assert re.search(r'<div id="error_message" class="error_message">User &#x27;sam&#x27; is not an '
                     r'operator.</div>', text)
    assert "You are not allowed to do this" in text and "/login/?next=" in text


@pytest.mark.parametrize("url", UPLOAD_FORMS)
def test_upload_form_pages(delivery_area: Path, make_user: Any, url: str) -> None:
    page = as_user(make_user("ursula")).get(url).content.decode()
    for marker in ('id="submission_form"', 'id="submit_button"', 'id="upload_manager"',
                   '<input type="file" id="upload_files" name="files" multiple>',
                   'id="upload_dropzone"', 'id="start_upload"', 'id="upload_list"',
                   'action="/upload/new/"', 'opencrds/uploads.js',
                   'name="pmap_mode" value="pmap_edit" checked'):
        assert marker in page, (url, marker)
    assert labelled(page) == [], url
    assert page.count("<h1") == 1
    if url != "/certify/":
        assert 'name="description"' in page and 'name="change_level"' in page
    if url == "/submission_form/redcat_submit/":
        assert 'name="deliverer"' in page and 'name="modes_affected"' in page
        assert '<select name="instrument"' in page


@pytest.mark.parametrize("url", sorted(TEXT_FORMS))
def test_add_and_delete_pages_take_names(delivery_area: Path, make_user: Any, url: str) -> None:
    page = as_user(make_user("tess")).get(url).content.decode()
    assert f'<textarea name="{TEXT_FORMS[url]}"' in page and 'id="submission_form"' in page
    assert 'id="upload_manager"' not in page and labelled(page) == []


def test_operator_pages(delivery_area: Path, make_user: Any) -> None:
    client = as_user(make_user("opal", instrument=None, operator=True))
    page = client.get("/set_default_context/").content.decode()
    assert 'id="set_context_form"' in page and 'name="pmap_mode"' in page
    assert '<option value="build">' in page and 'name="calver"' in page
    assert labelled(page) == []
    page = client.get("/mark_bad/").content.decode()
    assert 'id="mark_bad_form"' in page and 'value="bad"' in page and labelled(page) == []


def test_set_context_through_the_picker(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.catalog import queries

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("otto", instrument=None, operator=True))
    token = client.get("/set_default_context/").cookies["csrftoken"].value
    answer = client.post("/set_default_context/", {
        "csrfmiddlewaretoken": token, "context_type": "edit", "pmap_mode": "pmap_text",
        "pmap_text": "jwst_0540.pmap", "reason": "Picker test."})
    assert 'id="success_message"' in answer.content.decode()
    assert queries.default_contexts("jwst")["edit"] == "jwst_0540.pmap"
    answer = client.post("/set_default_context/", {
        "csrfmiddlewaretoken": token, "context_type": "edit", "pmap_mode": "pmap_text",
        "pmap_text": "jwst_9999.pmap", "reason": "Picker test."})
    assert answer.status_code == 200
    assert re.search(r'id="error_message"[^>]*>&#x27;jwst_9999.pmap&#x27; is not a context',
                     answer.content.decode())


def test_new_pages_need_a_login_and_old_results_is_public(delivery_area: Path,
                                                          make_user: Any) -> None:
    anonymous = Client()
    for url in NEW_PAGES:
        answer = anonymous.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
    assert anonymous.get("/old_results/").status_code == 200
    client = as_user(make_user("vera"))
    for url in [*NEW_PAGES, "/old_results/"]:
        assert client.get(url).status_code == 200, url
    answer = client.get("/submission_history/?start_date=yesterday")
    assert answer.status_code == 200
    assert re.search(r'id="error_message"[^>]*>Start Date: Enter a valid date',
                     answer.content.decode())
    assert client.get("/submission_history/00000000-0000-0000-0000-000000000000/"
                      ).status_code == 404


def test_the_picker_menu_wins_over_its_text_box(delivery_area: Path) -> None:
    from opencrds.server.submissions.forms import ContextForm

    def derived(**data: str) -> str:
        form = ContextForm(data, observatory="jwst")
        assert form.is_valid(), form.errors
        return form.derive_from()

    assert derived(pmap_mode="pmap_menu", pmap_menu="jwst_0540.pmap",
                   pmap_text="jwst_0541.pmap") == "jwst_0540.pmap"
    # crds submit: pmap_text with pmap_name, or pmap_edit
    assert derived(pmap_mode="pmap_text", pmap_text="jwst_0539.pmap",
                   pmap_name="jwst_0539.pmap") == "jwst_0539.pmap"
    assert derived(pmap_mode="pmap_edit", pmap_name="jwst_0539.pmap") == "jwst_0541.pmap"

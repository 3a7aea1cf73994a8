"""The operator pages /set_default_context/ and /mark_bad/ through the Django test client on
the real JWST catalog: anonymous users are sent to the login page (GET) or refused (POST),
logged-in non-operators are refused, operators change the catalog with CSRF-checked POSTs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

PAGES = ("/set_default_context/", "/mark_bad/")
LATEST, OLDER = "jwst_0541.pmap", "jwst_0540.pmap"


def logged_in(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, path: str, data: dict[str, Any]) -> Any:
    """GET ``path`` (for the csrftoken cookie and form field), then POST ``data`` with it."""
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client.post(path, {**data, "csrfmiddlewaretoken": token.group(1)})


def error_message(answer: Any) -> str | None:
    found = re.search(r'<div id="error_message" class="error_message">(.*?)</div>',
                      answer.content.decode(), re.DOTALL)
    return found.group(1).strip() if found else None


def success_message(answer: Any) -> str | None:
    found = re.search(r'<div id="success_message" class="success_message">(.*?)</div>',
                      answer.content.decode(), re.DOTALL)
    return found.group(1).strip() if found else None


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_users_are_sent_to_login_or_refused(jwst: str, path: str) -> None:
    client = Client(enforce_csrf_checks=True)
    answer = client.get(path)
    assert answer.status_code == 302 and answer["Location"] == f"/login/?next={path}"
    answer = client.post(path, {"context_type": "latest", "context": OLDER, "reason": "x"})
    assert answer.status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_users_who_are_not_operators_are_refused(submitter: Any, path: str) -> None:
    client = Client()
    client.force_login(submitter)
    assert client.get(path).status_code == 403
    answer = client.post(path, {"files": LATEST, "mark_as": "bad", "reason": "x",
                                "context_type": "latest", "context": OLDER})
    assert answer.status_code == 403 and "is not an operator" in error_message(answer)
    from opencrds.server.catalog import queries

    assert queries.default_contexts("jwst")["operational"] == LATEST
    assert LATEST not in queries.bad_files("jwst")


def test_the_set_context_page_shows_the_current_values_and_newest_contexts_first(
        operator: Any) -> None:
    page = logged_in(operator).get("/set_default_context/").content.decode()
    assert re.search(r'<tr class="context_latest"><td>latest</td><td>jwst_0541.pmap</td>'
                     r'<td>2019-07-30 15:06:02</td>', page)
    assert '<tr class="context_versions"><td>versions</td><td>jwst_0526.pmap</td>' in page
    # the context picker: recent contexts newest first, any other typed in, the edit context
    # by default
    options = re.findall(r'<option value="(jwst_\d+\.pmap)"', page)
    assert options[:2] == [LATEST, OLDER] and len(options) > 20
    assert 'name="pmap_text"' in page
    assert re.search(r'value="pmap_edit" checked> Editing: <code>' + re.escape(LATEST), page)


def test_operators_set_latest_with_a_csrf_checked_post(operator: Any) -> None:
    from opencrds.server.catalog import queries
    from opencrds.server.catalog.models import AuditEntry

    client = logged_in(operator)
    data = {"context_type": "latest", "context": OLDER, "reason": "Reversion, CRDS-1."}
    assert client.post("/set_default_context/", data).status_code == 403  # no token
    assert queries.default_contexts("jwst")["operational"] == LATEST
    answer = csrf_post(client, "/set_default_context/", data)
    assert answer.status_code == 200 and error_message(answer) is None
    assert success_message(answer) == f"The latest context is now {OLDER}."
    assert queries.default_contexts("jwst")["operational"] == OLDER
    assert queries.context_history("jwst")[0][1:] == [OLDER, "Reversion, CRDS-1."]
    assert AuditEntry.objects.first().user == "olivia"
    assert '<tr class="context_latest"><td>latest</td><td>jwst_0540.pmap</td>' in (
        answer.content.decode())


@pytest.mark.parametrize("data, message", [
    ({"context_type": "latest", "context": "jwst_0500.pmap", "reason": "x"},
     "cannot be the latest context: it contains bad files"),
    ({"context_type": "latest", "context": OLDER, "reason": ""}, "a reason is required"),
    ({"context_type": "latest", "context": OLDER, "reason": "a; b"}, "not &#x27;;&#x27;"),
    ({"context_type": "latest", "context": "jwst_9999.pmap", "reason": "x"},
     "context: Select a valid choice"),
    ({"context_type": "build", "context": OLDER, "reason": "x"},
     "calver: a CAL version is required"),
])
def test_refusals_show_in_the_error_div(operator: Any, data: dict[str, str],
                                        message: str) -> None:
    from opencrds.server.catalog import queries

    answer = csrf_post(logged_in(operator), "/set_default_context/", data)
    assert answer.status_code == 200 and message in error_message(answer)
    assert success_message(answer) is None
    assert queries.default_contexts("jwst")["operational"] == LATEST


def test_operators_set_edit_versions_and_build(operator: Any) -> None:
    from opencrds.server.catalog import queries

    client = logged_in(operator)
    for kind in ("edit", "versions"):
        answer = csrf_post(client, "/set_default_context/",
                           {"context_type": kind, "context": OLDER, "reason": ""})
        assert success_message(answer) == f"The {kind} context is now {OLDER}."
        assert queries.default_contexts("jwst")[kind] == OLDER
    answer = csrf_post(client, "/set_default_context/", {
        "context_type": "build", "context": OLDER, "calver": "1.16.0", "update_banner": "on",
        "reason": "release"})
    assert success_message(answer) == "Build context of CAL version 1.16.0 set to jwst_0540.pmap."
    answer = csrf_post(client, "/set_default_context/", {
        "context_type": "build", "context": "jwst_0500.pmap", "calver": "1.15.0",
        "update_banner": "on", "reason": "older"})
    assert "The banner was not updated" in success_message(answer)
    assert queries.build_contexts("jwst")[0] == ("1.15.0", "jwst_0500.pmap", False)
    assert ("1.16.0", OLDER, True) in queries.build_contexts("jwst")


def test_operators_mark_files_bad_and_ok(operator: Any) -> None:
    from opencrds.server.catalog import queries

    client = logged_in(operator)
    imap = next(n for n in queries.child_mappings("jwst", LATEST) if "_miri_" in n)
    rmap = next(n for n in queries.child_mappings("jwst", imap) if "_miri_dark_" in n)
    data = {"files": f"{rmap}\n", "mark_as": "bad", "reason": "wrong darks"}
    assert client.post("/mark_bad/", data).status_code == 403  # no CSRF token
    answer = csrf_post(client, "/mark_bad/", data)
    assert error_message(answer) is None
    assert success_message(answer).startswith(f"Marked bad: {rmap}.")
    blacklisted = re.search(r'<span id="also_blacklisted">(.*?)</span>',
                            answer.content.decode()).group(1).split(", ")
    assert imap in blacklisted and LATEST in blacklisted
    assert {rmap, imap, LATEST} <= set(queries.bad_files("jwst"))
    answer = csrf_post(client, "/mark_bad/", {"files": rmap, "mark_as": "ok", "reason": "fine"})
    assert success_message(answer).startswith(f"Marked OK: {rmap}.")
    assert not {rmap, imap, LATEST} & set(queries.bad_files("jwst"))
    answer = csrf_post(client, "/mark_bad/", {"files": "nothing.fits", "mark_as": "bad",
                                              "reason": "x"})
    assert error_message(answer) == "not known to CRDS: nothing.fits"
    answer = csrf_post(client, "/mark_bad/", {"files": rmap, "mark_as": "bad", "reason": ""})
    assert "reason: This field is required." in error_message(answer)


def test_the_set_context_page_shows_build_versions_and_pipeline_contexts(operator: Any) -> None:
    from opencrds.server.catalog import services

    services.set_build_context("jwst", "1.16.0", OLDER, user="o", why="release", banner=True)
    key = services.add_pipeline("jwst", "jwst-ops-pipeline", user="o")
    services.push_remote_context("jwst", key, OLDER, "latest")
    page = logged_in(operator).get("/set_default_context/").content.decode()
    assert "<tr><td>1.16.0</td><td>jwst_0540.pmap</td><td>yes</td></tr>" in page
    assert '<datalist id="known_calvers"><option value="1.16.0"></datalist>' in page
    assert re.search(r"<tr><td>jwst-ops-pipeline</td><td>jwst_0540.pmap</td><td>20\d\d-", page)

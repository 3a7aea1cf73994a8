"""Who may do what: every submission, upload, jpoll, result, confirm and operator URL walked as
anonymous, a submitter of another instrument, a submitter holding the right lock, an operator
and an admin (issue #13 acceptance 4), and every POST refused without its CSRF token.

In-process on the real JWST catalog (SQLite), with the Django test client enforcing CSRF as a
browser's requests meet it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.shared_data]

FORM_URLS = ["/batch_submit_references/", "/submission_form/redcat_submit/",
             "/submit/reference/", "/submit/mapping/", "/add_existing/reference/",
             "/delete/reference/", "/certify/", "/difference/"]
NO_LOCK_NEEDED = ("/certify/", "/difference/")  # they change nothing
OPERATOR_URLS = ["/set_default_context/", "/mark_bad/"]
JSON_URLS = ["/upload/list/", "/upload/chunked/", "/upload/new/", "/jpoll/open_channel"]
PUBLIC_URLS = ["/", "/login/", "/lock_status/alice/", "/submission_form/redcat_description.yml",
               "/difference/?file1=jwst_0540.pmap&file2=jwst_0541.pmap",  # the form needs login
               "/old_results/",
               # the public web site (issue #14)
               "/context_table/jwst_0541.pmap", "/context_table/jwst_0541.pmap/niriss/",
               "/display_context_history/", "/display_all_contexts/",
               "/display_build_contexts/", "/recent_activity_input/", "/version_info/",
               "/docs/cmdline_bestrefs/", "/browse_db/", "/browse_db/?format=json",
               "/browse/jwst_0541.pmap", "/browse/jwst_0541.pmap?format=json", "/json/browse/",
               "/bestrefs/", "/bestrefs_explore/", "/bestrefs_explore/?instrument=niriss",
               "/favicon.ico"]
#: Pages for any logged-in user (anonymous users are sent to log in).
LOGIN_URLS = ["/delivery_status/", "/submission_history/",
              "/submission_history/?instrument=niriss&status=ready"]
ROLES = ["anonymous", "other_submitter", "submitter", "operator", "admin"]
PASSWORD = "a long enough password 1234"


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


@pytest.fixture
def site(backend: str, database: str, db: None, settings: Any) -> Iterator[dict[str, Any]]:
    """The JWST server with its users: alice (NIRISS), mike (MIRI), olga (operator), root."""
    from django.contrib.auth import get_user_model
    from inprocess import forget_server_caches

    from opencrds.server.accounts import services

    settings.OPENCRDS_OBSERVATORY = "jwst"
    forget_server_caches()
    users = {
        "submitter": services.add_user("alice", "alice@example.org", "jwst", password=PASSWORD,
                                       instruments=["niriss"])[0],
        "other_submitter": services.add_user("mike", "mike@example.org", "jwst",
                                             password=PASSWORD, instruments=["miri"])[0],
        "operator": services.add_user("olga", "olga@example.org", "jwst", password=PASSWORD,
                                      operator=True)[0],
        "admin": get_user_model().objects.create_superuser("root", "root@example.org",
                                                           PASSWORD),
    }
    yield users
    forget_server_caches()


LOCKS = {"anonymous": None, "other_submitter": "miri", "submitter": "niriss",
         "operator": "none", "admin": "none"}


def client_as(role: str, users: dict[str, Any]) -> Client:
    """A CSRF-enforcing client logged in through /login/ as ``role`` with its lock."""
    client = Client(enforce_csrf_checks=True)
    if role == "anonymous":
        return client
    form = client.get("/login/")
    response = client.post("/login/", {
        "username": users[role].username, "password": PASSWORD, "instrument": LOCKS[role],
        "next": "/", "csrfmiddlewaretoken": form.cookies["csrftoken"].value})
    assert response.status_code == 302, (role, response.content[:2000])
    return client


def csrf_of(client: Client, url: str) -> str:
    """The CSRF token a GET of ``url`` (or of /login/) hands out."""
    response = client.get(url)
    cookie = response.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    if cookie is None:
        cookie = client.get("/login/").cookies["csrftoken"]
    return cookie.value


def ready_submission(user: Any) -> Any:
    """A READY batch submission of ``user`` (nothing staged: only cancelled in this test)."""
    from opencrds.server.submissions.models import Submission

    return Submission.objects.create(observatory="jwst", instrument="niriss",
                                     kind=Submission.Kind.BATCH,
                                     status=Submission.Status.READY, user=user,
                                     username=user.username, description="walk",
                                     derive_from="jwst_0541.pmap")


@pytest.mark.parametrize("role", ROLES)
def test_public_urls_open_to_everyone(site: dict[str, Any], role: str) -> None:
    client = client_as(role, site)
    for url in PUBLIC_URLS:
        assert client.get(url).status_code in (200, 301), (role, url)
    submission = ready_submission(site["submitter"])
    assert client.get(f"/display_result/{submission.pk}").status_code == 200
    assert client.get(f"/monitor/{submission.pk}/").status_code == 200
    assert client.get(f"/display_result/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_login_pages(site: dict[str, Any], role: str) -> None:
    """Delivery status and submission history (with a submission's detail): any logged-in
    user; anonymous users are sent to log in."""
    client = client_as(role, site)
    submission = ready_submission(site["submitter"])
    for url in [*LOGIN_URLS, f"/submission_history/{submission.pk}/"]:
        page = client.get(url)
        if role == "anonymous":
            assert page.status_code == 302 and page["Location"].startswith("/login/"), url
        else:
            assert page.status_code == 200, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_submission_forms(site: dict[str, Any], role: str) -> None:
    """Forms: anonymous is sent to log in (GET) or refused (POST); a logged-in user sees them;
    posting is allowed with a lock of a granted instrument (then the form itself answers: here
    "no files uploaded" or a form error), refused otherwise."""
    client = client_as(role, site)
    for url in FORM_URLS:
        page = client.get(url)
        if role == "anonymous":
            assert page.status_code == 302 and page["Location"].startswith("/login/"), url
            token = csrf_of(client, "/login/")
        else:
            assert page.status_code == 200, (role, url)
            token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies \
                else client.cookies["csrftoken"].value
        data = {"pmap_mode": "pmap_edit", "description": "walk", "change_level": "SEVERE",
                "auto_rename": "True", "compare_old_reference": "True",
                "added_files": "jwst_niriss_photom_0028.fits",
                "deleted_files": "jwst_niriss_photom_0028.fits",
                "csrfmiddlewaretoken": token}
        response = client.post(url, data)
        text = response.content.decode()
        if role == "anonymous":
            assert response.status_code == 403, url
        elif role == "submitter" or url in NO_LOCK_NEEDED:
            # past the permission checks: the form's own answer
            assert response.status_code in (200, 400), (role, url, text[:500])
            assert "may not submit" not in text and "log in with an instrument" not in text
        else:
            # other_submitter holds MIRI (granted) and may post; operators/admin hold no lock
            if role == "other_submitter":
                assert response.status_code in (200, 400), (role, url, text[:500])
            else:
                assert response.status_code == 403, (role, url, text[:500])
                assert 'id="error_message"' in text


@pytest.mark.parametrize("role", ROLES)
def test_operator_pages(site: dict[str, Any], role: str) -> None:
    client = client_as(role, site)
    for url in OPERATOR_URLS:
        page = client.get(url)
        if role == "anonymous":
            assert page.status_code == 302, url
        elif role in ("operator", "admin"):
            assert page.status_code == 200, (role, url)
        else:
            assert page.status_code == 403, (role, url)
        token = csrf_of(client, url if role in ("operator", "admin") else "/login/")
        response = client.post(url, {"csrfmiddlewaretoken": token})
        assert response.status_code == (200 if role in ("operator", "admin") else 403), \
            (role, url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_upload_and_jpoll_urls(site: dict[str, Any], role: str) -> None:
    client = client_as(role, site)
    for url in JSON_URLS:
        response = client.get(url)
        assert response.status_code == (403 if role == "anonymous" else 200), (role, url)
    token = csrf_of(client, "/upload/chunked/" if role != "anonymous" else "/login/")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("walk.json", b'{"a": 1}')
    response = client.post("/upload/chunked/", {"files": upload, "csrfmiddlewaretoken": token})
    assert response.status_code == (403 if role == "anonymous" else 200), role


@pytest.mark.parametrize("role", ROLES)
def test_confirm_and_cancel(site: dict[str, Any], role: str) -> None:
    """Only the submitter may confirm or cancel their READY submission; an operator may cancel
    it, and force it only once the submitter's lock is gone; the others are refused."""
    submission = ready_submission(site["submitter"])
    client = client_as(role, site)
    token = csrf_of(client, f"/display_result/{submission.pk}")
    response = client.post("/submit_confirm/", {"results_id": str(submission.pk),
                                                "button": "force",
                                                "csrfmiddlewaretoken": token})
    if role == "anonymous":
        assert response.status_code == 403
    elif role in ("operator", "admin"):
        # alice holds no lock here (she never logged in): forcing is allowed, but nothing is
        # staged, so the confirmation itself fails with a clear error rather than a 403
        assert response.status_code in (200, 409), response.content[:500]
    else:
        assert response.status_code == 403, (role, response.content[:500])
    submission = ready_submission(site["submitter"])
    response = client.post("/submit_confirm/", {"results_id": str(submission.pk),
                                                "button": "cancel",
                                                "csrfmiddlewaretoken": token})
    allowed = role in ("submitter", "operator", "admin")
    assert response.status_code == (200 if allowed else 403), (role, response.content[:500])
    submission.refresh_from_db()
    assert (submission.status == "cancelled") == allowed


def test_admin_is_for_superusers(site: dict[str, Any]) -> None:
    for role in ROLES:
        response = client_as(role, site).get("/admin/")
        assert response.status_code == (200 if role == "admin" else 302), role


POST_URLS = ["/login/", *FORM_URLS, *OPERATOR_URLS, "/upload/chunked/", "/upload/new/",
             "/submit_confirm/", "/submit_confirm_pipeline/"]


def test_every_post_needs_its_csrf_token(site: dict[str, Any]) -> None:
    client = client_as("admin", site)
    for url in POST_URLS:
        response = client.post(url, {"description": "x"})
        assert response.status_code == 403, url


#: What the walk does not request: Django's admin (test_admin_is_for_superusers), static files,
#: the wire (JSON-RPC, downloads, health: tests/server/test_rpc.py, test_downloads.py).
NOT_PAGES = ("admin/", "^static/", "^json/", "^unchecked_", "health")


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[str]:
    from django.urls.resolvers import URLResolver

    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def test_every_url_of_the_site_is_walked(site: dict[str, Any]) -> None:
    """Each URL pattern of the server (but the wire and admin) is requested by a walk above:
    a page added without a row here fails this test."""
    from django.urls import get_resolver, resolve

    walked = [*PUBLIC_URLS, *LOGIN_URLS, *FORM_URLS, *OPERATOR_URLS, *JSON_URLS, *POST_URLS,
              "/display_result/00000000-0000-0000-0000-000000000000",
              "/authenticated_result/00000000-0000-0000-0000-000000000000",
              "/monitor/00000000-0000-0000-0000-000000000000/",
              "/submission_history/00000000-0000-0000-0000-000000000000/",
              "/upload/delete/walk.json", "/jpoll/pull_messages/key/", "/logout/", "/json/browse/"]
    covered = {resolve(url.split("?")[0]).route for url in walked}
    pages = {route for route in _patterns(get_resolver().url_patterns)
             if not route.startswith(NOT_PAGES)}
    assert pages - covered == set()


@pytest.mark.parametrize("role", ROLES)
def test_result_upload_jpoll_and_logout_urls(site: dict[str, Any], role: str) -> None:
    """The review page needs a login under /authenticated_result/; deleting an upload needs
    one; a jpoll channel is read by its key alone (an unknown key: 404); logout always ends
    on the home page."""
    submission = ready_submission(site["submitter"])
    client = client_as(role, site)
    page = client.get(f"/authenticated_result/{submission.pk}")
    assert page.status_code == (302 if role == "anonymous" else 200), role
    deleted = client.get("/upload/delete/walk.json")
    assert deleted.status_code == 403 if role == "anonymous" else deleted.status_code in (200, 404)
    assert client.get("/jpoll/pull_messages/no-such-key/").status_code == 404
    response = client.get("/logout/")
    assert response.status_code == 302 and response["Location"] == "/", role

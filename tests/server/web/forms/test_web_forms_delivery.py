"""A delivery through the web forms as the browser's scripts make it (SERVER.md §1.12, §2.2):
chunked uploads with Content-Range and the X-CSRFToken header, the upload list and deleteUrl,
the plain no-script upload form, the batch form, the review page's ids, confirm; then the
delivery shows in the delivery status, the submission history and the old results.
In-process on the real JWST catalog; the processing runs as the queue's worker would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from processing_helpers import CONTEXT, miri_ipc

pytestmark = [pytest.mark.shared_data]


def browser(user: Any) -> Client:
    """A CSRF-enforcing client logged in as ``user``, with the csrftoken cookie of a form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/batch_submit_references/").status_code == 200
    return client


def send_chunks(client: Client, path: Path, chunk: int) -> list[dict[str, Any]]:
    """Upload ``path`` in chunks as uploads.js does; the answers' file entries."""
    data, answers = path.read_bytes(), []
    token = client.cookies["csrftoken"].value
    for start in range(0, len(data), chunk):
        piece = data[start:start + chunk]
        from django.core.files.uploadedfile import SimpleUploadedFile

        answer = client.post(
            "/upload/chunked/", {"files": SimpleUploadedFile(path.name, piece)},
            headers={"X-CSRFToken": token,
                     "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(data)}"})
        answers.append((answer.status_code, answer.json()["files"][0]))
    return answers


def test_upload_manager_endpoints(delivery_area: Path, make_user: Any) -> None:
    client = browser(make_user("uma"))
    source = miri_ipc(delivery_area / "src", "my_ipc.fits")
    answers = send_chunks(client, source, chunk=source.stat().st_size // 3 + 1)
    assert [status for status, _ in answers] == [200, 200, 200]
    assert answers[-1][1] == {"name": "my_ipc.fits", "size": source.stat().st_size,
                              "deleteUrl": "/upload/delete/my_ipc.fits", "deleteType": "GET",
                              "complete": True}
    listed = client.get("/upload/list/").json()["files"]
    assert [f["name"] for f in listed] == ["my_ipc.fits"]
    page = client.get("/batch_submit_references/").content.decode()
    assert '<tr data-name="my_ipc.fits" class="uploaded">' in page
    assert 'class="delete-upload button secondary" role="button" href="/upload/delete/' \
           'my_ipc.fits"' in page
    # a refusal says why, as the row of the upload manager shows it
    [(status, refused)] = send_chunks(client, _text(delivery_area, "broken.fits"), chunk=1000)
    assert status >= 400 and "broken.fits" in refused["error"], refused
    assert [f["name"] for f in client.get("/upload/list/").json()["files"]] == ["my_ipc.fits"]
    # without the token the upload is refused
    plain = Client(enforce_csrf_checks=True)
    plain.force_login(make_user("ulrich", instrument=None))
    assert plain.post("/upload/chunked/", {"files": source.open("rb")}).status_code == 403
    # the delete button's GET
    assert client.get(listed[0]["deleteUrl"]).status_code == 200
    assert client.get("/upload/list/").json()["files"] == []
    # the no-script form: a plain multipart POST to /upload/new/, back to the form page
    with source.open("rb") as handle:
        answer = client.post("/upload/new/", {
            "files": handle, "next": "/certify/",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert answer.status_code == 303 and answer["Location"] == "/certify/"
    assert '<tr data-name="my_ipc.fits" class="uploaded">' in client.get(
        "/certify/").content.decode()


def _text(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("not a reference\n")
    return path


def test_a_delivery_in_the_browser_shows_everywhere(delivery_area: Path,
                                                    make_user: Any) -> None:
    from opencrds.server.submissions.models import Submission
    from opencrds.server.submissions.tasks import process_submission

    user = make_user("wanda")
    client = browser(user)
    source = miri_ipc(delivery_area / "src", "wanda_ipc.fits")
    send_chunks(client, source, chunk=2 * 1024 * 1024)
    started = client.post("/batch_submit_references/", {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "pmap_mode": "pmap_text", "pmap_text": CONTEXT, "pmap_menu": "",
        "change_level": "SEVERE", "creator": "Wanda", "description": "A browser delivery.",
        "auto_rename": "on", "compare_old_reference": "on"}).content.decode()
    found = re.search(r'/display_result/([0-9a-f-]{36})', started)
    assert found, started[:3000]
    submission = Submission.objects.get(pk=found.group(1))
    assert f'id="progress_log" class="log" aria-live="polite" data-channel=' \
           f'"{submission.channel_id}"' in started
    assert 'class="status-started" id="submission_status">started<' in started

    page = client.get(f"/display_result/{submission.pk}").content.decode()
    assert 'data-channel="' in page and '<meta http-equiv="refresh"' in page  # processing
    process_submission.call_local(str(submission.pk))
    submission.refresh_from_db()
    assert submission.status == "ready", submission.result

    page = client.get(f"/display_result/{submission.pk}").content.decode()
    assert 'class="status-ready" id="submission_status">ready<' in page
    for marker in ('id="confirm_button"', 'id="cancel_button"', 'id="lock_lost"',
                   "LOCK LOST... Log back in to cancel or force delivery.",
                   'id="generated_mappings"', "Logical Diff ('jwst_miri_ipc_",
                   '<details class="certify ok"'):
        assert marker in page, marker
    assert 'id="force_button"' not in page  # the submitter does not force
    assert 'id="progress_log"' not in page
    official = re.search(r'<span id="wanda_ipc.fits"><a href="/browse/([^"]+)">', page).group(1)
    new_context = submission.result["new_context"]
    assert f'<span id="{CONTEXT}"><a href="/browse/{new_context}">' in page

    confirmed = client.post("/submit_confirm/", {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "results_id": str(submission.pk), "button": "confirm"}).content.decode()
    assert 'class="status-confirmed" id="submission_status">confirmed<' in confirmed
    assert 'id="confirm_button"' not in confirmed
    submission.refresh_from_db()
    catalog = submission.delivery.catalog_name

    status = client.get("/delivery_status/").content.decode()
    assert f'<tr id="{catalog}" data-catalog="{catalog}">' in status
    assert f'<a href="/browse/{official}">' in status and "released (no archive" in status

    history = client.get("/submission_history/?instrument=miri&status=confirmed"
                         "&start_date=2000-01-01").content.decode()
    assert f'<tr data-id="{submission.pk}">' in history and "<td>wanda</td>" in history
    assert f'<tr data-id="{submission.pk}">' not in client.get(
        "/submission_history/?instrument=nircam").content.decode()
    detail = client.get(f"/submission_history/{submission.pk}/").content.decode()
    assert "A browser delivery." in detail and catalog in detail
    assert 'id="detail_status">confirmed<' in detail

    index = Client().get("/old_results/").content.decode()
    assert f'<a href="/display_result/{submission.pk}">' in index

    monitor = client.get(f"/monitor/{submission.pk}/").content.decode()
    assert "Starting submission processing." in monitor and "data-channel" not in monitor

"""End to end over HTTP, on one real ``opencrds serve`` of the JWST catalog: every submission kind
but batch (test_crds_submit.py) as a user drives it — log in with the MIRI lock, upload, post
the form, follow jpoll to ``done``, read the result page, confirm or cancel:
references without rules, adding then deleting that reference, a hand-edited rmap with new
contexts, certify only (the form and ``opencrds submit --submission-kind certify``), the
difference form, and cancelling a READY submission; the e-mails name the submissions. Each
test starts from whatever edit context it finds (xdist may split or reorder them)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from processing_helpers import miri_ipc
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, clean_env
from submission_servers import (
    SubmissionServer,
    errors_in,
    normalised_rmap,
    server_command,
    start_submission_server,
)
from web_user import WebUser, form_token, page_status

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

DESCRIBED = {"description": "An end to end test of the submission kinds",
             "creator": "Test Team", "change_level": "SEVERE", "pmap_mode": "pmap_edit",
             "auto_rename": "on", "compare_old_reference": "on"}
#: What the catalog looks like to a client (changes of any of these are changes).
VISIBLE = ("edit_context", "operational_context", "mappings", "bad_files_list")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionServer]:
    running = start_submission_server(tmp_path_factory.mktemp("kinds"), "jwst", ["miri"])
    yield running
    running.server.stop()


@pytest.fixture
def alice(served: SubmissionServer) -> Iterator[WebUser]:
    user = WebUser(served, "alice")
    user.login("miri")
    user.wipe_uploads()  # what a failed test may have left
    yield user
    user.close()


def _info(served: SubmissionServer) -> dict[str, Any]:
    info = served.server.rpc("get_server_info")
    names = served.server.rpc("get_mapping_names", info["edit_context"])
    return {**{key: info.get(key) for key in VISIBLE}, "mappings": sorted(names)}


def _ipc_rmap(served: SubmissionServer, context: str) -> str:
    [rmap] = [n for n in served.server.rpc("get_mapping_names", context)
              if n.startswith("jwst_miri_ipc_") and n.endswith(".rmap")]
    return rmap


def _served_bytes(served: SubmissionServer, kind: str, name: str) -> bytes:
    answer = served.server.get(f"/unchecked_get/{kind}/jwst/{name}")
    assert answer.status_code == 200, (name, answer.status_code)
    return answer.content


def _result(served: SubmissionServer, submission_id: str) -> tuple[str, str]:
    page = served.server.get(f"/display_result/{submission_id}")
    return page_status(page), page.text  # type: ignore[arg-type]


def _assert_mailed(served: SubmissionServer, submission_id: str, status: str) -> None:
    """An e-mail names ``submission_id`` and says ``status``."""
    mails = served.mails()
    assert mails, "no e-mail was written"
    about = [mail for mail in mails if submission_id in mail]
    assert any(status in mail.lower() for mail in about), (about or mails)[-1][:2000]


def _staging(served: SubmissionServer, submission_id: str) -> Path:
    return served.server.home / "submissions" / submission_id


def test_references_without_rules_then_added_and_deleted(
        served: SubmissionServer, alice: WebUser, tmp_path: Path) -> None:
    before = _info(served)
    source = miri_ipc(tmp_path, "orphan_ipc.fits")
    alice.upload(source)
    submission_id, page = alice.submit("/submit/reference/", DESCRIBED)
    assert page_status(page) == "ready", page.text[:4000]
    official = re.search(r'<span id="orphan_ipc.fits"><a href="/browse/([^"]+)">', page.text)
    assert official and official[1].startswith("jwst_miri_ipc_"), page.text[:4000]
    name = official[1]
    assert _info(served) == before  # nothing happens before the confirm

    confirmed = alice.act(submission_id, "confirm")
    assert confirmed.status_code == 200, confirmed.text[:3000]
    assert page_status(confirmed) == "confirmed"
    assert _info(served) == before  # no rules were generated: the edit context is the same
    info = served.server.rpc("get_file_info_map", "jwst", [name], ["sha1sum", "size"])[name]
    data = _served_bytes(served, "references", name)
    assert info["sha1sum"] == hashlib.sha1(data).hexdigest()
    assert int(info["size"]) == len(data) == source.stat().st_size
    assert alice.lock() == ""  # a confirm releases the lock
    _assert_mailed(served, submission_id, "confirmed")

    # the orphan, now in CRDS, is added to the rules, then deleted from them
    alice.login("miri")
    start = served.server.rpc("get_server_info")["edit_context"]
    fields = {"description": "Add the orphan", "pmap_mode": "pmap_edit",
              "change_level": "SEVERE"}
    submission_id, page = alice.submit("/add_existing/reference/",
                                       {**fields, "added_files": name})
    assert page_status(page) == "ready", page.text[:4000]
    assert page_status(alice.act(submission_id, "confirm")) == "confirmed"
    added = served.server.rpc("get_server_info")["edit_context"]
    assert added != start
    assert name in served.server.rpc("get_reference_names", added)
    rmap = _ipc_rmap(served, added)
    assert rmap != _ipc_rmap(served, start)
    assert f"'{name}'" in _served_bytes(served, "mappings", rmap).decode()

    alice.login("miri")  # the confirm released the lock
    submission_id, page = alice.submit("/delete/reference/",
                                       {**fields, "description": "Delete it again",
                                        "names": name})
    assert page_status(page) == "ready", page.text[:4000]
    assert page_status(alice.act(submission_id, "confirm")) == "confirmed"
    deleted = served.server.rpc("get_server_info")["edit_context"]
    assert deleted not in (start, added)
    assert name not in served.server.rpc("get_reference_names", deleted)
    assert f"'{name}'" not in _served_bytes(served, "mappings", _ipc_rmap(served, deleted)
                                            ).decode()


def test_submit_a_hand_edited_rmap(served: SubmissionServer, alice: WebUser,
                                   tmp_path: Path) -> None:
    start = served.server.rpc("get_server_info")["edit_context"]
    old = _ipc_rmap(served, start)
    text = _served_bytes(served, "mappings", old).decode()
    edited = text.replace("'jwst_miri_ipc_0009.fits'", "'jwst_miri_ipc_0008.fits'")
    assert edited != text
    upload = tmp_path / "my_edit.rmap"
    upload.write_text(edited)
    alice.upload(upload)
    submission_id, page = alice.submit("/submit/mapping/",
                                       {**DESCRIBED, "generate_contexts": "on"})
    assert page_status(page) == "ready", page.text[:4000]
    assert page_status(alice.act(submission_id, "confirm")) == "confirmed"

    new_context = served.server.rpc("get_server_info")["edit_context"]
    assert new_context != start
    new_names = (set(served.server.rpc("get_mapping_names", new_context))
                 - set(served.server.rpc("get_mapping_names", start)))
    assert sorted(n.rsplit(".", 1)[1] for n in new_names) == ["imap", "pmap", "rmap"]
    [rmap] = [n for n in new_names if n.endswith(".rmap")]
    assert rmap.startswith("jwst_miri_ipc_") and rmap == _ipc_rmap(served, new_context)
    served_text = _served_bytes(served, "mappings", rmap)
    info = served.server.rpc("get_file_info_map", "jwst", [rmap], ["sha1sum", "size"])[rmap]
    assert info["sha1sum"] == hashlib.sha1(served_text).hexdigest()
    assert int(info["size"]) == len(served_text)
    # the rmap as uploaded, but for the header's name, sha1sum and derived_from
    derived = re.compile(r"\s*'derived_from'\s*:.*")
    assert (derived.sub("", normalised_rmap(served_text.decode()))
            == derived.sub("", normalised_rmap(edited)))
    assert f"'name' : '{rmap}'" in served_text.decode()
    assert f"'derived_from' : '{old}'" in served_text.decode()


def test_certify_changes_nothing(served: SubmissionServer, alice: WebUser,
                                 tmp_path: Path) -> None:
    before = _info(served)
    source = miri_ipc(tmp_path, "certify_me.fits")
    alice.upload(source)
    submission_id, page = alice.submit("/certify/", {"pmap_mode": "pmap_edit",
                                                     "compare_old_reference": "on"})
    assert page_status(page) == "done", page.text[:4000]
    assert "certify_me.fits" in page.text and "Confirm or cancel" not in page.text
    assert _info(served) == before
    assert not _staging(served, submission_id).exists()

    # the same with the command-line client
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(CRDS_SERVER_URL=served.url, CRDS_PATH=str(tmp_path / "cache"),
                    HOME=str(home), CRDS_USERNAME="alice", MAST_API_TOKEN=served.tokens["alice"],
                    CRDS_CLIENT_RETRY_COUNT="1")
    done = subprocess.run([*server_command(), "submit", "--files", str(source),
                           "--submission-kind", "certify", "--monitor-processing",
                           "--wait-for-completion", "--wipe-existing-files", "--logout",
                           "--poll-seconds", "0.5"],
                          env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert errors_in(output) == [], output
    assert _info(served) == before


def test_the_difference_form(served: SubmissionServer, alice: WebUser, tmp_path: Path
                             ) -> None:
    before = _info(served)
    known = _ipc_rmap(served, before["edit_context"])
    text = _served_bytes(served, "mappings", known).decode()
    mine = tmp_path / "mine.rmap"
    mine.write_text(text.replace("'1900-01-01 00:00:00' : 'jwst_miri_ipc_0007.fits'",
                                 "'1900-01-01 00:00:00' : 'jwst_miri_ipc_0009.fits'"))
    assert mine.read_text() != text
    alice.upload(mine)
    form = alice.get("/difference/")
    assert form.status_code == 200 and 'name="file1"' in form.text
    submission_id, page = alice.submit("/difference/", {"file1": known, "file2": "mine.rmap"})
    assert page_status(page) == "done", page.text[:4000]
    assert 'id="difference"' in page.text
    assert "replaced jwst_miri_ipc_0007.fits with jwst_miri_ipc_0009.fits" in page.text
    assert "+        &#x27;1900-01-01 00:00:00&#x27; : &#x27;jwst_miri_ipc_0009.fits&#x27;," \
        in page.text
    assert _info(served) == before
    # the upload was taken from the upload area; an unknown name is refused
    assert "mine.rmap" not in alice.get("/upload/list/").text
    page = alice.get("/difference/")
    refused = alice.post("/difference/", {"csrfmiddlewaretoken": form_token(page),
                                          "file1": known, "file2": "nowhere.rmap"})
    assert refused.status_code == 200 and "nowhere.rmap" in refused.text
    assert 'id="error_message"' in refused.text
    # two uploaded references: a FITS comparison
    for name, useafter in (("ipc_a.fits", "2023-03-03T00:00:00"),
                           ("ipc_b.fits", "2023-04-04T00:00:00")):
        alice.upload(miri_ipc(tmp_path, name, useafter=useafter))
    _, page = alice.submit("/difference/", {"file1": "ipc_a.fits", "file2": "ipc_b.fits"})
    assert page_status(page) == "done", page.text[:4000]
    assert "USEAFTER" in page.text and "2023-04-04T00:00:00" in page.text, page.text
    assert _info(served) == before


def test_difference_needs_a_login(served: SubmissionServer) -> None:
    anonymous = WebUser(served, "alice")
    page = anonymous.get("/difference/")
    assert page.url.startswith(anonymous.base + "/login/?next=")
    assert anonymous.session.post(anonymous.base + "/difference/",
                                  data={"file1": "a", "file2": "b"}).status_code == 403
    anonymous.login()
    known = _ipc_rmap(served, served.server.rpc("get_server_info")["edit_context"])
    no_token = anonymous.post("/difference/", {"file1": known, "file2": known})
    assert no_token.status_code == 403  # CSRF
    anonymous.close()


def test_cancel_a_ready_submission(served: SubmissionServer, alice: WebUser,
                                   tmp_path: Path) -> None:
    before = _info(served)
    source = miri_ipc(tmp_path, "to_cancel.fits", useafter="2025-02-02T00:00:00")
    alice.upload(source)
    submission_id, page = alice.submit("/submit/reference/", DESCRIBED)
    assert page_status(page) == "ready", page.text[:4000]
    assert _staging(served, submission_id).exists()
    assert alice.lock() == "miri"
    answer = alice.act(submission_id, "cancel")
    assert answer.status_code == 200 and page_status(answer) == "cancelled"
    assert _result(served, submission_id)[0] == "cancelled"
    assert _info(served) == before
    assert not _staging(served, submission_id).exists()
    assert alice.lock() == ""
    _assert_mailed(served, submission_id, "cancelled")
    # a cancelled submission cannot be confirmed afterwards
    alice.login("miri")
    again = alice.post("/submit_confirm/", {
        "csrfmiddlewaretoken": alice.session.cookies["csrftoken"],
        "results_id": submission_id, "button": "confirm"})
    assert again.status_code == 200 and 'id="error_message"' in again.text, again.text[:2000]
    assert _info(served) == before

"""End to end over HTTP, on one real ``opencrds serve`` of the JWST catalog: the operator olga
marks a file bad through /mark_bad/ (and OK again) and the unmodified crds client sees it, sets
the edit context through /set_default_context/, and a pipeline added with ``opencrds manage
add_pipeline`` pushes its context with ``crds sync --push-context KEY``; a wrong key is refused.
The submitter alice gets 403 from the operator pages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE.parent / "submissions") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "submissions"))

from server_helpers import (  # noqa: E402
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    RpcFailure,
    run_crds,
    run_probe,
)
from submission_servers import SubmissionServer, errors_in, start_submission_server  # noqa: E402
from web_user import WebUser, form_token  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

BAD = "jwst_miri_ipc_0009.fits"  # a reference of jwst_0541.pmap
OLDER = "jwst_0540.pmap"
PAGES = ("/mark_bad/", "/set_default_context/")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionServer]:
    running = start_submission_server(tmp_path_factory.mktemp("operator-http"), "jwst",
                                      ["miri"])
    yield running
    running.server.stop()


@pytest.fixture
def olga(served: SubmissionServer) -> Iterator[WebUser]:
    user = WebUser(served, "olga")
    user.login("none")
    yield user
    user.close()


def _client_server_info(served: SubmissionServer, tmp_path: Path) -> dict:
    """get_server_info as the real crds client gets it."""
    out = run_probe({"calls": [["get_server_info", []]]},
                    served.server.crds_env(tmp_path / "crds"), tmp_path / "probe")
    assert "ok" in out["calls"][0], out
    return out["calls"][0]["ok"]


def _post_form(user: WebUser, path: str, fields: dict[str, str]):  # noqa: ANN202
    page = user.get(path)
    assert page.status_code == 200, page.text[:3000]
    return user.post(path, {"csrfmiddlewaretoken": form_token(page), **fields})


def test_mark_bad_and_ok_again(served: SubmissionServer, olga: WebUser, tmp_path: Path
                               ) -> None:
    assert BAD not in served.server.rpc("get_server_info")["bad_files_list"]
    answer = _post_form(olga, "/mark_bad/", {"files": BAD, "mark_as": "bad",
                                             "reason": "Marked bad end to end."})
    assert answer.status_code == 200 and 'id="error_message"' not in answer.text, answer.text
    assert BAD in served.server.rpc("get_server_info")["bad_files_list"]
    assert BAD in _client_server_info(served, tmp_path / "bad")["bad_files_list"]

    answer = _post_form(olga, "/mark_bad/", {"files": BAD, "mark_as": "ok",
                                             "reason": "OK again, end to end."})
    assert answer.status_code == 200 and 'id="error_message"' not in answer.text, answer.text
    assert BAD not in served.server.rpc("get_server_info")["bad_files_list"]
    assert BAD not in _client_server_info(served, tmp_path / "ok")["bad_files_list"]


def test_set_the_edit_context(served: SubmissionServer, olga: WebUser, tmp_path: Path
                              ) -> None:
    before = served.server.rpc("get_server_info")
    answer = _post_form(olga, "/set_default_context/", {
        "context_type": "edit", "context": OLDER, "reason": "Edit from 0540, end to end."})
    assert answer.status_code == 200 and 'id="error_message"' not in answer.text, answer.text
    assert f"The edit context is now {OLDER}." in answer.text
    info = _client_server_info(served, tmp_path)
    assert info["edit_context"] == OLDER
    assert info["operational_context"] == before["operational_context"]
    # back to where it was, for the other tests
    answer = _post_form(olga, "/set_default_context/", {
        "context_type": "edit", "context": before["edit_context"], "reason": "Back again."})
    assert served.server.rpc("get_server_info")["edit_context"] == before["edit_context"]


def test_a_pipeline_pushes_its_context(served: SubmissionServer, tmp_path: Path) -> None:
    key = served.server.manage("add_pipeline", "jwst-ops-pipeline").stdout.strip()
    assert key
    operational = served.server.rpc("get_server_info")["operational_context"]
    env = served.server.crds_env(tmp_path / "pipeline-cache")
    synced = run_crds("sync", "--contexts", operational, "--push-context", key, env=env)
    output = synced.stdout + synced.stderr
    assert synced.returncode == 0, output[-4000:]
    assert errors_in(output) == [], output[-4000:]
    assert served.server.rpc("get_remote_context", "jwst", "jwst-ops-pipeline") == operational

    with pytest.raises(RpcFailure):
        served.server.rpc("push_remote_context", "jwst", "latest", "not-" + key, OLDER)
    assert served.server.rpc("get_remote_context", "jwst", "jwst-ops-pipeline") == operational
    # the JSON-RPC push with the right key moves it
    served.server.rpc("push_remote_context", "jwst", "latest", key, OLDER)
    assert served.server.rpc("get_remote_context", "jwst", "jwst-ops-pipeline") == OLDER


def test_a_submitter_may_not_use_the_operator_pages(served: SubmissionServer) -> None:
    alice = WebUser(served, "alice")
    try:
        alice.login("miri")
        for path in PAGES:
            assert alice.get(path).status_code == 403, path
            alice.get("/")  # the CSRF cookie
            token = alice.session.cookies["csrftoken"]
            refused = alice.post(path, {"csrfmiddlewaretoken": token,
                                        "files": BAD, "mark_as": "bad", "reason": "no",
                                        "context_type": "edit", "context": OLDER})
            assert refused.status_code == 403, path
    finally:
        alice.close()
    info = served.server.rpc("get_server_info")
    assert BAD not in info["bad_files_list"] and info["edit_context"] != OLDER

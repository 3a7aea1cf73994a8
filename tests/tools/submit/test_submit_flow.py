"""``opencrds submit`` run in-process against the spec server (real HTTP): the requests it
sends, in order, with their fields, cookies and chunk ranges; what it logs; its exit status."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from result_page import RESULT
from spec_server import SpecServer

from opencrds.tools.main import main


@pytest.fixture
def server() -> Iterator[SpecServer]:
    with SpecServer() as running:
        yield running


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: SpecServer) -> Path:
    """A user's environment pointed at the spec server; returns a folder for files."""
    home = tmp_path / "home"
    home.mkdir()
    for name in [n for n in os.environ if n.startswith(("CRDS_", "OPENCRDS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CRDS_SERVER_URL", server.url)
    monkeypatch.setenv("CRDS_PATH", str(tmp_path / "cache"))
    monkeypatch.setenv("CRDS_USERNAME", "jo")
    monkeypatch.setenv("MAST_API_TOKEN", "token-1")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    files = tmp_path / "files"
    files.mkdir()
    return files


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"z" * (size % 256))
    return path


def _submit(*args: str) -> int:
    return main(["submit", "--poll-seconds", "0.05", *args])


def test_full_submission_with_autoconfirm(server: SpecServer, user: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    small = _file(user, "my dark.fits", 1000)
    big = _file(user, "flat.fits", 4_500_000)
    status = _submit("--files", str(small), str(big), "--description", "new darks",
                     "--creator", "MIRI Team", "--monitor-processing", "--wait-for-completion",
                     "--autoconfirm", "--logout", "--change-level", "MODERATE")
    err = capsys.readouterr().err
    assert status == 0, err
    # the web requests of §7.3, in order
    web = [(r.method, r.path) for r in server.requests if not r.path.startswith("/json/")]
    result = next(path for _, path in web if path.startswith("/display_result/"))
    assert web == [
        ("GET", "/lock_status/jo/"), ("GET", "/login/"), ("POST", "/login/"),
        ("GET", "/jpoll/open_channel"), ("GET", "/upload/list/"),
        ("GET", "/upload/chunked/"), ("POST", "/upload/chunked/"),
        ("GET", "/upload/chunked/"), *[("POST", "/upload/chunked/")] * 3,
        ("GET", "/batch_submit_references/"), ("POST", "/batch_submit_references/"),
        ("GET", result), ("POST", "/submit_confirm_pipeline/"), ("GET", "/logout/")]
    rpc = [r.path.split("/")[2] for r in server.requests if r.path.startswith("/json/")]
    assert rpc[0] == "get_server_info" and rpc[-2:] == ["get_mapping_names"] * 2
    assert set(rpc[1:-2]) == {"jpoll_pull_messages"}
    # uploads: whole and in three ranged chunks, bytes intact
    assert server.behaviour.uploads == {"my dark.fits": small.read_bytes(),
                                        "flat.fits": big.read_bytes()}
    ranges = [r.headers.get("Content-Range") for r in server.requests
              if r.path == "/upload/chunked/" and r.method == "POST"]
    assert ranges == [None, "bytes 0-1999999/4500000", "bytes 2000000-3999999/4500000",
                      "bytes 4000000-4499999/4500000"]
    # the form
    form = [r for r in server.requests if r.path == "/batch_submit_references/"][-1]
    key = form.fields["jpoll_key"]
    assert key in server.channels
    assert {k: v for k, v in form.fields.items() if k not in ("csrfmiddlewaretoken",
                                                              "jpoll_key")} == {
        "pmap_mode": "pmap_edit", "pmap_name": "jwst_0541.pmap", "instrument": "none",
        "change_level": "MODERATE", "creator": "MIRI Team", "description": "new darks",
        "auto_rename": "True", "compare_old_reference": "True"}
    assert all(r.headers.get("referer") == server.url for r in server.requests
               if not r.path.startswith("/json/"))
    # confirmation and what is reported
    assert server.confirmed[0]["button"] == "confirm"
    assert result == f"/display_result/{server.confirmed[0]['results_id']}"
    assert server.logged_out
    assert ">> Certifying 'x'" in err and ">> Generating rules" in err
    assert "Uploaded 'my dark.fits' --> 'jwst_miri_dark_0096.fits'" in err
    assert "Uploaded 'flat.fits' --> 'jwst_miri_flat_0042.fits'" in err
    assert "New context 'jwst_0542.pmap' (from 'jwst_0541.pmap')" in err
    assert "New mapping 'jwst_miri_dark_0051.rmap'" in err
    assert "0 errors" in err


def test_login_refused_is_one_error(server: SpecServer, user: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAST_API_TOKEN", "wrong")
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d")
    err = capsys.readouterr().err
    assert status == 1
    errors = [line for line in err.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert "Login as 'jo' failed" in errors[0] and "Invalid username or token." in errors[0]
    assert "/upload/list/" not in server.paths()


def test_extraneous_files_stop_before_uploading(server: SpecServer, user: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.uploads = {"left over.fits": b"old"}
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d")
    err = capsys.readouterr().err
    assert status == 1
    assert "'left over.fits'" in err and "--wipe-existing-files" in err
    assert "POST" not in [r.method for r in server.requests if r.path == "/upload/chunked/"]


def test_wipe_deletes_everything_first(server: SpecServer, user: Path) -> None:
    server.behaviour.uploads = {"left over.fits": b"old", "a.fits": b"x" * 10}
    a = _file(user, "a.fits", 10)
    assert _submit("--files", str(a), "--wipe-existing-files", "--submission-kind",
                   "none") == 0
    deleted = [p for p in server.paths() if p.startswith("/upload/delete/")]
    assert sorted(deleted) == ["/upload/delete/a.fits", "/upload/delete/left%20over.fits"]
    assert server.behaviour.uploads == {"a.fits": a.read_bytes()}
    assert not any(p in server.paths() for p in ("/batch_submit_references/",))


def test_keep_skips_files_already_uploaded(server: SpecServer, user: Path) -> None:
    a, b = _file(user, "a.fits", 10), _file(user, "b.fits", 20)
    server.behaviour.uploads = {"a.fits": a.read_bytes(), "b.fits": b"short"}
    assert _submit("--files", str(a), str(b), "--keep-existing-files",
                   "--submission-kind", "none") == 0
    posted = [r.files["files"][0] for r in server.requests
              if r.path == "/upload/chunked/" and r.method == "POST"]
    assert posted == ["b.fits"]
    assert server.behaviour.uploads == {"a.fits": a.read_bytes(), "b.fits": b.read_bytes()}


def test_keep_does_not_clear_other_submissions_files(server: SpecServer, user: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.uploads = {"other.fits": b"o"}
    assert _submit("--files", str(_file(user, "a.fits", 10)), "--keep-existing-files",
                   "--submission-kind", "none") == 1
    assert "'other.fits'" in capsys.readouterr().err
    assert server.behaviour.uploads == {"other.fits": b"o"}


def test_a_server_error_on_the_form_names_url_and_status(
        server: SpecServer, user: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.form_status = 500
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d",
                     "--monitor-processing", "--wait-for-completion")
    err = capsys.readouterr().err
    assert status == 1
    line = next(line for line in err.splitlines() if "ERROR" in line)
    assert f"POST {server.url}/batch_submit_references/ failed: HTTP 500" in line


def test_a_form_error_page_is_reported(server: SpecServer, user: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.form_error = "Description is required."
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--wait-for-completion")
    assert status == 1
    assert "Description is required." in capsys.readouterr().err


def test_errors_while_processing_cancel_instead_of_confirm(
        server: SpecServer, user: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.messages = [("error", "a.fits: bad header")]
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d",
                     "--autoconfirm")
    err = capsys.readouterr().err
    assert status == 2
    assert ">> a.fits: bad header" in err and "cancelled" in err
    assert server.confirmed[0]["button"] == "cancel"


def test_failed_processing_is_an_error_and_not_confirmed(
        server: SpecServer, user: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.done_status = 1
    server.behaviour.result = {**RESULT, "errors": ["a.fits: duplicate of x.fits"]}
    status = _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d",
                     "--monitor-processing", "--autoconfirm")
    err = capsys.readouterr().err
    assert status == 2
    assert "Submission processing FAILED" in err
    assert "ERROR -  a.fits: duplicate of x.fits" in err
    assert server.confirmed == []


def test_without_autoconfirm_the_result_page_is_read(
        server: SpecServer, user: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = _submit("--files", str(_file(user, "flat.fits", 10)), "--description", "d",
                     "--monitor-processing", "--derive-from-context", "jwst_0500.pmap",
                     "--dont-auto-rename", "--dont-compare-old-reference")
    err = capsys.readouterr().err
    assert status == 0, err
    assert server.confirmed == []
    assert "Review and confirm the submission at" in err
    assert "Uploaded 'flat.fits' --> 'jwst_miri_flat_0042.fits'" in err
    assert "New context 'jwst_0542.pmap' (from 'jwst_0541.pmap'), once confirmed" in err
    assert not [r for r in server.requests if "get_mapping_names" in r.path]
    form = [r for r in server.requests if r.path == "/batch_submit_references/"][-1]
    assert form.fields["pmap_mode"] == "pmap_text"
    assert form.fields["pmap_name"] == form.fields["pmap_text"] == "jwst_0500.pmap"
    assert form.fields["auto_rename"] == form.fields["compare_old_reference"] == "False"
    assert "creator" not in form.fields


@pytest.mark.parametrize(("options", "url"), [
    (["--submission-kind", "certify"], "/certify/"),
    (["--submission-kind", "references"], "/submit/reference/"),
    (["--submission-kind", "mappings"], "/submit/mapping/"),
])
def test_other_forms(server: SpecServer, user: Path, options: list[str], url: str) -> None:
    assert _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d",
                   *options) == 0
    assert server.paths("POST")[-1] == url


def test_redcat_parameters_post_to_the_redcat_form(server: SpecServer, user: Path,
                                                   tmp_path: Path) -> None:
    parameters = tmp_path / "p.yaml"
    parameters.write_text("deliverer: Jo\ninstrument: miri\nhistory_updated: true\n")
    assert _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d",
                   "--redcat-parameters", str(parameters)) == 0
    form = [r for r in server.requests if r.path == "/submission_form/redcat_submit/"][-1]
    assert form.fields["deliverer"] == "Jo" and form.fields["history_updated"] == "True"
    assert form.fields["instrument"] == "miri"


def test_an_existing_lock_is_reported_not_fatal(server: SpecServer, user: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    server.behaviour.lock = {"name": "nircam", "type": "instrument", "is_expired": False,
                             "time_remaining": "3:57:58", "status": "ok"}
    a = user / "jwst_miri_dark_0001.fits"
    a.write_bytes(b"not fits")
    assert _submit("--files", str(a), "--description", "d", "--submission-kind",
                   "none") == 0
    err = capsys.readouterr().err
    assert "already holds the lock on instrument 'nircam'" in err
    login = [r for r in server.requests if r.path == "/login/" and r.method == "POST"][0]
    assert login.fields["instrument"] == "miri" and login.fields["next"] == "/"
    assert login.fields["username"] == "jo" and login.fields["password"] == "token-1"


def test_no_server_is_fatal(user: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRDS_SERVER_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CRDS_CLIENT_RETRY_COUNT", "1")
    assert _submit("--files", str(_file(user, "a.fits", 10))) == 255
    assert "FATAL" in capsys.readouterr().err


def test_usage_errors(user: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = str(_file(user, "a.fits", 10))
    assert main(["submit", "--files", a, "--wipe-existing-files",
                 "--keep-existing-files"]) == 2
    assert main(["submit"]) == 1
    assert "No files to submit: give --files" in capsys.readouterr().err
    assert main(["submit", "--files", a, "--change-level", "HUGE"]) == 2
    assert main(["submit", "--files", str(user / "missing.fits")]) == 1
    assert "missing.fits" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "passes"), [("niriss_ref_photom.fits", True),
                                              ("niriss_ref_photom_bad.fits", False)])
def test_certify_files_first(server: SpecServer, user: Path, crds_cache: Path,
                             shared_data: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str], name: str,
                             passes: bool) -> None:
    monkeypatch.setenv("CRDS_PATH", str(crds_cache))
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    path = user / name
    path.write_bytes((shared_data / "crds-test-data" / "jwst" / name).read_bytes())
    status = _submit("--files", str(path), "--description", "d", "--certify-files",
                     "--submission-kind", "none")
    err = capsys.readouterr().err
    assert "Certifying 1 file(s) against 'jwst_0541.pmap'" in err
    if passes:
        assert status == 0, err
        assert "/upload/chunked/" in server.paths()
    else:
        assert status > 0, err
        assert "Certification of the files found errors: not submitting." in err
        assert "/login/" not in server.paths()


def test_without_monitoring_the_result_link_is_logged(server: SpecServer, user: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _submit("--files", str(_file(user, "a.fits", 10)), "--description", "d") == 0
    err = capsys.readouterr().err
    assert re.search(rf"the result will be at {server.url}/display_result/[0-9a-f-]{{36}}", err)
    assert not [r for r in server.requests if "jpoll_pull_messages" in r.path]


def test_logout_alone_logs_in_and_out(server: SpecServer, user: Path) -> None:
    assert main(["submit", "--logout"]) == 0
    assert [(r.method, r.path) for r in server.requests if not r.path.startswith("/json/")] == [
        ("GET", "/lock_status/jo/"), ("GET", "/login/"), ("POST", "/login/"),
        ("GET", "/logout/")]
    login = [r for r in server.requests if r.path == "/login/" and r.method == "POST"][0]
    assert login.fields["instrument"] == "none"


def test_an_observatory_the_server_does_not_serve(server: SpecServer, user: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["submit", "-H", "--files", str(_file(user, "a.fits", 10))]) == 1
    assert f"CRDS server '{server.url}' serves 'jwst', not 'hst'" in capsys.readouterr().err
    assert [r.path for r in server.requests if not r.path.startswith("/json/")] == []

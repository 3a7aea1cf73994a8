"""End to end: ``opencrds submit`` (a subprocess, as a user runs it) against a real
``opencrds serve`` with a fresh OPENCRDS_HOME holding the real JWST catalog: login and the
instrument lock, the upload area (chunked uploads land byte for byte), jpoll monitoring, the
whole delivery with autoconfirm, a refused login and a file that fails certification."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1] / "server", HERE.parents[1] / "server" / "submissions"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, clean_env  # noqa: E402
from submission_servers import (  # noqa: E402
    TEST_DATA,
    SubmissionServer,
    errors_in,
    server_command,
    start_submission_server,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

GOOD = TEST_DATA / "jwst" / "niriss_ref_photom.fits"
BAD = TEST_DATA / "jwst" / "niriss_ref_photom_bad.fits"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionServer]:
    running = start_submission_server(tmp_path_factory.mktemp("submit-client"), "jwst",
                                      ["niriss"])
    yield running
    running.server.stop()


def _submit(served: SubmissionServer, tmp_path: Path, *args: str, user: str = "alice",
            token: str | None = None) -> tuple[int, str]:
    """``opencrds submit`` as ``user``; (exit status, stdout + stderr)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = clean_env(CRDS_SERVER_URL=served.url, CRDS_PATH=str(tmp_path / "cache"),
                    HOME=str(home), CRDS_USERNAME=user,
                    MAST_API_TOKEN=token if token is not None else served.tokens[user],
                    CRDS_CLIENT_RETRY_COUNT="1")
    done = subprocess.run([*server_command(), "submit", "--poll-seconds", "0.5", *args],
                          env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr


def _lock(served: SubmissionServer, user: str = "alice") -> str:
    return served.server.get(f"/lock_status/{user}/").json()["name"]


def _uploads_of(served: SubmissionServer) -> dict[str, bytes]:
    folder = served.server.home / "uploads"
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_login_locks_and_uploads_in_chunks(served: SubmissionServer, tmp_path: Path) -> None:
    big = tmp_path / "big_niriss.fits"  # a real FITS file of 3 chunks
    header = fits.Header({"INSTRUME": "NIRISS", "TELESCOP": "JWST"})
    fits.PrimaryHDU(np.arange(1_125_000, dtype=">i4"), header).writeto(big)
    assert big.stat().st_size > 4_000_000
    small = tmp_path / GOOD.name
    shutil.copy(GOOD, small)
    status, output = _submit(served, tmp_path, "--files", str(big), str(small),
                             "--submission-kind", "none", "--wipe-existing-files")
    assert status == 0, output
    assert errors_in(output) == [], output
    assert "Logged in as 'alice' (instrument niriss)" in output
    assert _lock(served) == "niriss"
    uploads = _uploads_of(served)
    assert uploads.get(big.name) == big.read_bytes()
    assert uploads.get(small.name) == small.read_bytes()

    # again, keeping what is there: nothing is sent; then logging out releases the lock
    status, output = _submit(served, tmp_path, "--files", str(big), str(small),
                             "--submission-kind", "none", "--keep-existing-files", "--logout")
    assert status == 0, output
    assert f"Keeping '{big.name}' already uploaded" in output
    assert "Uploaded 0 file(s)" in output
    assert _lock(served) == ""


def test_extraneous_uploads_are_refused(served: SubmissionServer, tmp_path: Path) -> None:
    other = tmp_path / "other.fits"
    shutil.copy(GOOD, other)
    assert _submit(served, tmp_path, "--files", str(other), "--submission-kind", "none",
                   "--wipe-existing-files")[0] == 0
    mine = tmp_path / GOOD.name
    shutil.copy(GOOD, mine)
    status, output = _submit(served, tmp_path, "--files", str(mine), "--submission-kind",
                             "none", "--logout")
    assert status == 1, output
    assert "'other.fits'" in errors_in(output)[0], output


def test_a_wrong_token_is_one_clear_error(served: SubmissionServer, tmp_path: Path) -> None:
    path = tmp_path / GOOD.name
    shutil.copy(GOOD, path)
    status, output = _submit(served, tmp_path, "--files", str(path), "--description", "d",
                             token="not-the-token")
    assert status == 1, output
    errors = errors_in(output)
    assert len(errors) == 1 and "Login as 'alice' failed" in errors[0], output


def test_a_delivery_with_autoconfirm(served: SubmissionServer, tmp_path: Path) -> None:
    server = served.server
    before = server.rpc("get_server_info")["edit_context"]
    path = tmp_path / GOOD.name
    shutil.copy(GOOD, path)
    status, output = _submit(served, tmp_path, "--files", str(path), "--description",
                             "A test delivery of a NIRISS photom", "--creator", "Test Team",
                             "--monitor-processing", "--wait-for-completion",
                             "--wipe-existing-files", "--autoconfirm", "--logout")
    assert status == 0, output
    assert errors_in(output) == [], output
    assert ">> " in output  # the processing messages were shown
    official = re.search(rf"Uploaded '{re.escape(path.name)}' --> '([^']+)'", output)
    assert official, output
    after = server.rpc("get_server_info")["edit_context"]
    assert after != before
    assert f"New context '{after}' (from '{before}')" in output
    assert official[1] in server.rpc("get_reference_names", after)
    assert re.search(r"New mapping 'jwst_niriss_photom_\d{4}\.rmap'", output), output
    assert _lock(served) == ""


def test_a_file_failing_certification_is_cancelled(served: SubmissionServer,
                                                   tmp_path: Path) -> None:
    server = served.server
    before = server.rpc("get_server_info")
    path = tmp_path / BAD.name
    shutil.copy(BAD, path)
    status, output = _submit(served, tmp_path, "--files", str(path), "--description", "bad",
                             "--monitor-processing", "--wait-for-completion",
                             "--wipe-existing-files", "--autoconfirm", "--logout")
    assert status >= 1, output
    assert any(BAD.name in line for line in errors_in(output)), output  # the page's errors
    after = server.rpc("get_server_info")
    assert after["edit_context"] == before["edit_context"]
    assert after["mappings"] == before["mappings"]


def test_a_redcat_delivery(served: SubmissionServer, tmp_path: Path) -> None:
    """The ReDCaT form, with the required fields its public description lists."""
    import yaml

    server = served.server
    described = yaml.safe_load(server.get("/submission_form/redcat_description.yml").text)
    parameters = {"instrument": "niriss", "history_updated": True}
    for item in described:
        if item.get("required") and item["key"] not in parameters:
            choices = [c[0] if isinstance(c, list) else c for c in item.get("choices", [])]
            parameters[item["key"]] = item.get("initial") or (choices[0] if choices
                                                               else "Test value")
    parameter_file = tmp_path / "redcat.yaml"
    parameter_file.write_text(yaml.safe_dump(parameters))
    before = server.rpc("get_server_info")["edit_context"]
    path = tmp_path / GOOD.name
    shutil.copy(GOOD, path)
    fits.setval(path, "DESCRIP", value="A ReDCaT delivery test")  # not a duplicate
    status, output = _submit(served, tmp_path, "--files", str(path), "--description",
                             "A ReDCaT delivery", "--redcat-parameters", str(parameter_file),
                             "--monitor-processing", "--wait-for-completion",
                             "--wipe-existing-files", "--autoconfirm", "--logout")
    assert status == 0, output
    assert "/submission_form/redcat_submit/" in output
    after = server.rpc("get_server_info")["edit_context"]
    assert after != before
    assert f"New context '{after}' (from '{before}')" in output


@pytest.fixture(scope="module")
def hst_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionServer]:
    running = start_submission_server(tmp_path_factory.mktemp("submit-client-hst"), "hst",
                                      ["cos"])
    yield running
    running.server.stop()


def test_an_hst_delivery_names_the_server_observatory(hst_served: SubmissionServer,
                                                     tmp_path: Path) -> None:
    """Nothing names the observatory (an HST CDBS file name, a localhost URL): the server's
    is taken; the delivered file gets an HST unique name."""
    server = hst_served.server
    before = server.rpc("get_server_info")["edit_context"]
    path = tmp_path / "s7g1700hl_dead.fits"
    shutil.copy(TEST_DATA / "hst" / path.name, path)
    status, output = _submit(hst_served, tmp_path, "--files", str(path), "--description",
                             "An HST delivery", "--monitor-processing", "--autoconfirm",
                             "--wipe-existing-files", "--logout")
    assert status == 0, output
    assert "instrument 'cos', deriving from pmap_edit 'hst_" in output
    official = re.search(r"Uploaded 's7g1700hl_dead.fits' --> '([a-z0-9]+_dead\.fits)'", output)
    assert official and official[1] != path.name, output
    after = server.rpc("get_server_info")["edit_context"]
    assert after != before and f"New context '{after}'" in output

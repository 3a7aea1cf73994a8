"""The unmodified ``crds submit`` (14.0.3) and ``opencrds submit`` against the same spec
server: crds completes against it (so the spec server is a faithful counterpart), and both
clients send the same web requests, in the same order, with the same form fields."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from spec_server import SpecServer

from helpers import user_environment

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

OPTIONS = ["--monitor-processing", "--wait-for-completion", "--wipe-existing-files",
           "--autoconfirm", "--description", "Same request", "--creator", "Team",
           "--change-level", "TRIVIAL", "--dont-auto-rename"]


def _crds_available() -> bool:
    """Whether crds and its submission extra are installed (not imported here: importing
    crds writes its configuration into this process's environment)."""
    return all(importlib.util.find_spec(name) for name in ("crds", "bs4"))


def _web_requests(server: SpecServer) -> list[tuple[str, str, dict[str, str], str | None]]:
    """(method, path with ids normalised, fields but the per-run ones, Content-Range)."""
    seen = []
    for request in server.requests:
        if request.path.startswith("/json/"):
            continue
        path = re.sub(r"/display_result/[0-9a-f-]+", "/display_result/ID", request.path)
        fields = {k: v for k, v in request.fields.items()
                  if k not in ("csrfmiddlewaretoken", "jpoll_key", "results_id")}
        seen.append((request.method, path, fields, request.headers.get("Content-Range")))
    return seen


def _run(tool: list[str], files: list[Path], tmp_path: Path) -> tuple[SpecServer, str]:
    with SpecServer() as server:
        env = {**user_environment(), "CRDS_SERVER_URL": server.url,
               "CRDS_PATH": str(tmp_path / "cache"), "HOME": str(tmp_path),
               "CRDS_USERNAME": "jo", "MAST_API_TOKEN": "token-1", "CRDS_OBSERVATORY": "jwst",
               "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
        done = subprocess.run([*tool, "--files", *map(str, files), *OPTIONS], env=env,
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        return server, output


@pytest.mark.skipif(not _crds_available(), reason="crds[submission] not installed")
def test_crds_and_opencrds_send_the_same_requests(shared_data: Path, tmp_path: Path) -> None:
    files = []
    for name in ("niriss_ref_photom.fits", "niriss_ref_photom_missing_detector.fits"):
        files.append(tmp_path / name)
        shutil.copy(shared_data / "crds-test-data" / "jwst" / name, files[-1])
    big = tmp_path / "big_photom.fits"  # a file of two chunks
    header = fits.Header({"TELESCOP": "JWST", "INSTRUME": "NIRISS", "REFTYPE": "PHOTOM"})
    fits.PrimaryHDU(np.zeros(750_000, dtype=">f4"), header).writeto(big)
    files.append(big)
    crds_server, crds_output = _run([sys.executable, "-m", "crds.submit"], files, tmp_path)
    ours_server, ours_output = _run([str(Path(sys.executable).parent / "opencrds"), "submit",
                                     "--poll-seconds", "0.2"], files, tmp_path)
    assert ">> Generating rules" in crds_output and ">> Generating rules" in ours_output
    sent = _web_requests(crds_server)
    assert _web_requests(ours_server) == sent
    size = big.stat().st_size
    assert [r[3] for r in sent if r[3]] == [f"bytes 0-1999999/{size}",
                                            f"bytes 2000000-{size - 1}/{size}"]
    assert ("POST", "/submit_confirm_pipeline/", {"button": "confirm"}, None) in sent
    assert ours_server.confirmed[0]["button"] == crds_server.confirmed[0]["button"] == "confirm"
    assert ours_server.behaviour.uploads == crds_server.behaviour.uploads

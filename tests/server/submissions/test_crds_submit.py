"""Acceptance: the unmodified ``crds submit`` (crds 14.0.3) delivers real reference files to
``opencrds serve`` (PROTOCOL.md §7): exit 0 with no ERROR, a new edit context whose new rmap is
what crds's own ``refactor insert`` makes of the old one with the renamed file, and the real
client then syncs the new context and file. A file that fails certify changes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, run_crds
from submission_servers import (
    TEST_DATA,
    errors_in,
    normalised_rmap,
    run_crds_submit,
    start_submission_server,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

CASES = {
    # observatory: (instrument, test file, starting context)
    "jwst": ("niriss", "jwst/niriss_ref_photom.fits", "jwst_0541.pmap"),
    "hst": ("cos", "hst/s7g1700hl_dead.fits", "hst_0729.pmap"),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def delivery(request, tmp_path_factory):  # noqa: ANN001, ANN201
    observatory = request.param
    instrument, _, _ = CASES[observatory]
    root = tmp_path_factory.mktemp(f"submit-{observatory}")
    served = start_submission_server(root, observatory, [instrument])
    yield observatory, served, root
    served.server.stop()


def _new_names(server, old: str, new: str) -> list[str]:  # noqa: ANN001
    before = set(server.rpc("get_mapping_names", old))
    return sorted(set(server.rpc("get_mapping_names", new)) - before)


def _mapping_text(server, name: str) -> str:  # noqa: ANN001
    response = server.get(f"/unchecked_get/mappings/{server.observatory}/{name}")
    assert response.status_code == 200, name
    return response.text


def _references_of(text: str) -> set[str]:
    import re

    return set(re.findall(r"'([A-Za-z0-9_]+\.(?:fits|asdf|json|yaml))'", text))


def test_crds_submit_delivers_and_the_client_syncs_it(delivery, tmp_path: Path) -> None:
    observatory, served, _root = delivery
    server = served.server
    instrument, relative, start = CASES[observatory]
    work = tmp_path / "work"
    work.mkdir()
    upload = work / Path(relative).name
    shutil.copy(TEST_DATA / relative, upload)
    env = served.crds_env(tmp_path / "client-cache")

    done = run_crds_submit(env, [upload], work, "--description",
                           f"Test delivery of a {instrument} reference", "--creator", "Test Team")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert errors_in(output) == [], output[-6000:]

    info = server.rpc("get_server_info")
    new_context = info["edit_context"]
    assert new_context != start and new_context.endswith(".pmap"), info["edit_context"]
    new = _new_names(server, start, new_context)
    rmaps = [name for name in new if name.endswith(".rmap")]
    assert len(rmaps) == 1 and len([n for n in new if n.endswith(".imap")]) == 1, new
    new_rmap = rmaps[0]
    new_text = _mapping_text(server, new_rmap)
    old_rmap = [name for name in server.rpc("get_mapping_names", start)
                if name.startswith(new_rmap.rsplit("_", 1)[0] + "_")][0]
    old_text = (CRDS_CACHE / "mappings" / observatory / old_rmap).read_text()
    added = sorted(_references_of(new_text) - _references_of(old_text))
    assert len(added) == 1, added
    official = added[0]
    assert official != upload.name

    # crds's own refactor insert of the renamed file into the old rmap is the same rmap
    oracle_dir = tmp_path / "oracle"
    oracle_dir.mkdir()
    shutil.copy(upload, oracle_dir / official)
    shutil.copy(CRDS_CACHE / "mappings" / observatory / old_rmap, oracle_dir / old_rmap)
    oracle_env = {**env, "CRDS_PATH": str(CRDS_CACHE), "CRDS_MODE": "local",
                  "CRDS_READONLY_CACHE": "1", "CRDS_SERVER_URL": "https://localhost:1"}
    refactor = subprocess.run([sys.executable, "-m", "crds.refactoring.refactor", "insert",
                               old_rmap, "crds_new.rmap", official], cwd=oracle_dir,
                              env=oracle_env, capture_output=True, text=True, timeout=300)
    assert refactor.returncode == 0, refactor.stdout + refactor.stderr
    oracle_text = (oracle_dir / "crds_new.rmap").read_text()
    assert normalised_rmap(new_text) == normalised_rmap(oracle_text)

    # the real client syncs the new context and the new file, verified by size and sha1 (the
    # imported cache's own references have no bytes in the store: only the new one is fetched)
    sync_env = {**env, "CRDS_PATH": str(tmp_path / "sync-cache")}
    for args in (("--contexts", new_context), ("--files", official, "--check-sha1sum")):
        synced = run_crds("sync", *args, env=sync_env)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert errors_in(synced.stdout + synced.stderr) == []
    references = tmp_path / "sync-cache" / "references" / observatory
    assert any(path.name == official for path in references.rglob("*")), official
    mappings = tmp_path / "sync-cache" / "mappings" / observatory
    assert (mappings / new_rmap).read_text() == new_text


def test_a_file_that_fails_certify_is_refused_and_changes_nothing(delivery, tmp_path: Path
                                                                  ) -> None:
    observatory, served, _root = delivery
    server = served.server
    before = server.rpc("get_server_info")
    work = tmp_path / "work"
    work.mkdir()
    bad = work / ("niriss_ref_photom_bad.fits" if observatory == "jwst"
                  else "s7g1700gm_dead_broken.fits")
    source = TEST_DATA / observatory / bad.name
    if not source.exists():
        pytest.skip(f"{source} not in the shared data")
    shutil.copy(source, bad)
    env = served.crds_env(tmp_path / "client-cache")
    done = run_crds_submit(env, [bad], work, "--description", "A bad file",
                           "--creator", "Test Team")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-6000:]
    assert errors_in(output), output[-6000:]
    after = server.rpc("get_server_info")
    assert after["edit_context"] == before["edit_context"]
    assert after["mappings"] == before["mappings"]

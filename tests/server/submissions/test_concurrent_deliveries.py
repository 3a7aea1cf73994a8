"""Two users deliver at the same time, for different instruments, to one real ``opencrds serve``
of the JWST catalog: alice a NIRISS photom, bob a NIRCAM specwcs, each with ``opencrds submit
--autoconfirm`` (two subprocesses started together). Their new mappings get distinct serials,
and either both are confirmed — the final edit context then holds both references, the second
derived from the first's context — or the second's confirm is refused as an edit collision
("were both derived from") and the catalog holds only the first's files."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, RpcFailure, clean_env
from submission_servers import (
    TEST_DATA,
    SubmissionServer,
    errors_in,
    server_command,
    start_submission_server,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

START = "jwst_0541.pmap"
#: user -> (instrument, a real file that certifies against jwst_0541.pmap, uploaded as)
DELIVERIES = {
    "alice": ("niriss", TEST_DATA / "jwst" / "niriss_ref_photom.fits", "niriss_photom.fits"),
    "bob": ("nircam", TEST_DATA / "jwst" / "jwst_nircam_specwcs_0011.asdf",
            "nircam_specwcs.asdf"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubmissionServer]:
    running = start_submission_server(tmp_path_factory.mktemp("concurrent"), "jwst",
                                      ["niriss", "nircam"])
    yield running
    running.server.stop()


def _start_submit(served: SubmissionServer, user: str, work: Path) -> subprocess.Popen:
    _, source, name = DELIVERIES[user]
    work.mkdir()
    shutil.copy(source, work / name)
    (work / "home").mkdir()
    env = clean_env(CRDS_SERVER_URL=served.url, CRDS_PATH=str(work / "cache"),
                    HOME=str(work / "home"), CRDS_USERNAME=user,
                    MAST_API_TOKEN=served.tokens[user], CRDS_CLIENT_RETRY_COUNT="1")
    return subprocess.Popen(
        [*server_command(), "submit", "--files", str(work / name), "--description",
         f"A concurrent delivery by {user}", "--creator", "Test Team",
         "--monitor-processing", "--wait-for-completion", "--wipe-existing-files",
         "--autoconfirm", "--logout", "--poll-seconds", "0.5"],
        env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _official(output: str, name: str) -> str:
    found = re.search(rf"Renaming '{re.escape(name)}' --> '([^']+)'", output)
    assert found, output
    return found[1]


def test_two_users_deliver_at_once(served: SubmissionServer, tmp_path: Path) -> None:
    server = served.server
    assert server.rpc("get_server_info")["edit_context"] == START
    running = {user: _start_submit(served, user, tmp_path / user) for user in DELIVERIES}
    outputs, codes = {}, {}
    for user, process in running.items():
        outputs[user], _ = process.communicate(timeout=900)
        codes[user] = process.returncode

    official = {user: _official(outputs[user], DELIVERIES[user][2]) for user in DELIVERIES}
    contexts = {user: re.search(r"New context '(jwst_\d{4}\.pmap)' \(from '([^']+)'\)",
                                outputs[user]) for user in DELIVERIES}
    confirmed = [user for user in DELIVERIES if codes[user] == 0]
    assert confirmed, outputs
    for user in confirmed:
        assert errors_in(outputs[user]) == [], outputs[user]
        assert contexts[user], outputs[user]
    final = server.rpc("get_server_info")["edit_context"]
    references = set(server.rpc("get_reference_names", final))
    mappings = set(server.rpc("get_mapping_names", final))

    if len(confirmed) == 2:
        # both in: the second derived from the first's new context
        pmaps = {user: contexts[user][1] for user in DELIVERIES}
        parents = {user: contexts[user][2] for user in DELIVERIES}
        assert pmaps["alice"] != pmaps["bob"]
        first, second = sorted(DELIVERIES, key=lambda user: pmaps[user])
        assert parents[first] == START and parents[second] == pmaps[first], outputs
        assert final == pmaps[second]
        assert {official["alice"], official["bob"]} <= references
    else:
        # the second's confirm refused: an edit collision; only the first's files are in
        [first] = confirmed
        [second] = [user for user in DELIVERIES if user != first]
        assert "were both derived from" in outputs[second], outputs[second]
        assert final == contexts[first][1]
        assert official[first] in references and official[second] not in references
        with pytest.raises(RpcFailure):  # the refused delivery's file is not in CRDS
            server.rpc("get_file_info", final, official[second])
        # and the refused submission was cancelled when its submitter logged out
        result = re.search(r"/display_result/([0-9a-f-]{36})", outputs[second])
        assert result, outputs[second]
        page = server.get(f"/display_result/{result[1]}").text
        assert 'id="submission_status">cancelled<' in page, page[-3000:]
    # every new mapping name is a new serial: no two deliveries share one
    generated = {user: set(re.findall(r"Generating new (?:rmap|mapping) '([^']+)'",
                                      outputs[user]))
                 for user in DELIVERIES}
    assert generated["alice"] and generated["bob"], outputs
    assert not generated["alice"] & generated["bob"], generated
    for user in confirmed:  # the first's pmap is superseded when the second derives from it
        rules = {name for name in generated[user] if not name.endswith(".pmap")}
        assert rules <= mappings, (user, rules - mappings)
    assert server.get("/lock_status/alice/").json()["name"] == ""
    assert server.get("/lock_status/bob/").json()["name"] == ""

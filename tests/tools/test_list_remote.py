"""``opencrds list`` options that need a server (--build-context, --remote-context,
--include-orphans, catalog info in --cat, the dataset options) against a live ``opencrds serve``
holding the shared HST cache, compared line for line with ``crds list`` against the same
server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import (  # noqa: E402
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    Server,
    ServerPool,
    opencrds_command,
    run_crds,
    shared_data_dir,
)

pytestmark = [pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]

HST_DATA = shared_data_dir() / "crds-test-data" / "hst"
DATASETS = ("j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "cos_N8XTZCAWQ.fits")
PIPELINE, KEY = "hst-ops-pipeline", "list-test-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE}")
    missing = [name for name in DATASETS if not (HST_DATA / name).exists()]
    if missing:
        pytest.skip(f"dataset files missing from {HST_DATA}: {missing}")
    pool = ServerPool(tmp_path_factory.mktemp("list-servers"))
    try:
        live = pool.get("sqlite", "hst")
        live.manage("import_datasets", *(str(HST_DATA / name) for name in DATASETS))
        live.manage("add_pipeline", PIPELINE, "--key", KEY)
        live.rpc("push_remote_context", "hst", "operational", KEY, "hst_0728.pmap")
        yield live
    finally:
        pool.close()


def _env(server: Server) -> dict[str, str]:
    return server.crds_env(CRDS_CACHE, CRDS_READONLY_CACHE="1")


def _errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if " - ERROR - " in line]


def both(server: Server, *args: str) -> tuple[subprocess.CompletedProcess,
                                                subprocess.CompletedProcess]:
    env = _env(server)
    mine = subprocess.run([*opencrds_command(), "list", *args], env=env, capture_output=True,
                          text=True, timeout=900)
    theirs = run_crds("list", *args, env=env, timeout=900)
    return mine, theirs


CASES = [
    ["--build-context"],
    ["--remote-context", PIPELINE],
    ["--cat", "z1r1943el_1dx.fits", "hst_acs_atodtab.rmap", "--keywords", "DET",
     "--no-arrays", "--add-filenames"],
    ["--cat", str(HST_DATA / "j8bt05njq_raw.fits"), "--keywords", "DETECTOR"],  # no catalog
    ["--dataset-ids-for-instruments", "acs", "cos"],
    ["--dataset-headers", "J8BT06O6Q", "N8XTZCAWQ", "--json", "--contexts", "hst_0729.pmap"],
    ["--dataset-headers", "J8BT05020", "--id-expansions-only", "--first-id-expansion-only",
     "--contexts", "hst_0729.pmap"],
    ["--dataset-headers", "J8BT06O6Q", "--minimize-headers", "--contexts", "hst_0729.pmap"],
    ["--all", "--resolve-contexts"],
    ["--include-orphans", "--references"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: "-".join(a[:2]))
def test_same_as_crds(server: Server, args: list[str]) -> None:
    mine, theirs = both(server, *args)
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    assert mine.returncode == 0, mine.stderr[-3000:]
    assert mine.stdout == theirs.stdout
    assert _errors(mine.stderr) == _errors(theirs.stderr)


def test_unknown_remote_context(server: Server) -> None:
    """crds prints ``None`` and an ERROR (and exits 0); we exit with the error count."""
    mine, theirs = both(server, "--remote-context", "nobody")
    assert mine.stdout == theirs.stdout == "None\n"
    assert _errors(mine.stderr) == _errors(theirs.stderr)
    assert mine.returncode == 1


def test_catalog_info_appended(server: Server) -> None:
    mine, _ = both(server, "--cat", "z1r1943el_1dx.fits", "--no-arrays")
    text = mine.stdout
    assert "Catalog Info:\n" + "." * 80 + "\n{'activation_date': " in text
    assert "'sha1sum': 'c80b6771b64eefd895ae62f84e2ca5a8052c2398'" in text
    assert "deliverer_user" not in text


def test_build_context_warns_without_cal_software(server: Server) -> None:
    mine, _ = both(server, "--build-context")
    assert mine.stdout == f"{server.context}\n"
    assert "Calibration SW not found, defaulting to latest." in mine.stderr

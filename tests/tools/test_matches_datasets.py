"""``opencrds matches --datasets/--instrument`` against a live ``opencrds serve`` holding real
HST dataset headers, compared line for line with ``crds matches`` against the same server."""

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
FILES = ("j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "cos_N8XTZCAWQ.fits")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA:
        pytest.skip("shared CRDS data not found")
    missing = [name for name in FILES if not (HST_DATA / name).exists()]
    if missing:
        pytest.skip(f"dataset files missing from {HST_DATA}: {missing}")
    pool = ServerPool(tmp_path_factory.mktemp("matches-servers"))
    try:
        live = pool.get("sqlite", "hst")
        live.manage("import_datasets", *(str(HST_DATA / name) for name in FILES))
        yield live
    finally:
        pool.close()


def _env(server: Server) -> dict[str, str]:
    return server.crds_env(CRDS_CACHE, CRDS_READONLY_CACHE="1")


CASES = [
    ["--datasets", "J8BT06O6Q", "N8XTZCAWQ", "--contexts", "hst_0729.pmap"],
    ["--datasets", "J8BT06O6Q", "N8XTZCAWQ", "--minimize-headers", "--contexts",
     "hst_0729.pmap", "hst_0728.pmap"],
    ["--datasets", "j8bt06o6q", "-c", "--contexts", "hst_0729.pmap"],
    ["--datasets", "N8XTZCAWQ", "-m", "-c", "--contexts", "hst_0729.pmap"],
    ["--instrument", "acs", "-m", "--contexts", "hst_0729.pmap"],
]


@pytest.mark.parametrize("argv", CASES, ids=lambda a: "-".join(a[:3]))
def test_same_output_as_crds_matches(server: Server, argv: list[str]) -> None:
    env = _env(server)
    theirs = run_crds("matches", *argv, env=env)
    mine = subprocess.run([*opencrds_command(), "matches", *argv], env=env,
                          capture_output=True, text=True, timeout=600)
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    assert mine.stdout == theirs.stdout, mine.stderr[-3000:]
    assert mine.returncode == 0


def test_unknown_dataset_is_one_error_and_the_run_goes_on(server: Server) -> None:
    """crds 14.0.3 stops with a traceback here; opencrds reports the id and goes on."""
    argv = ["matches", "--datasets", "BOGUS", "J8BT06O6Q", "--contexts", "hst_0729.pmap"]
    mine = subprocess.run([*opencrds_command(), *argv], env=_env(server),
                          capture_output=True, text=True, timeout=600)
    assert mine.stdout.startswith("J8BT06040:J8BT06O6Q : APERTURE='HRC' ")
    assert len(mine.stdout.splitlines()) == 1
    errors = [line for line in mine.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "BOGUS" in errors[0]
    assert mine.returncode == 1

"""Dataset headers on the server: ``manage import_datasets`` and the JSON-RPC methods
``get_dataset_ids`` / ``get_dataset_headers_by_id`` (PROTOCOL.md §2.2), checked directly and
through the unmodified crds 14.0.3 client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from inprocess import manage
from server_helpers import HAVE_SHARED_DATA, RpcFailure, Server, run_crds, shared_data_dir

import opencrds
from opencrds.io import read_header

pytestmark = [pytest.mark.shared_data]

HST_DATA = shared_data_dir() / "crds-test-data" / "hst"
DATASETS = {"J8BT05020:J8BT05NJQ": "j8bt05njq_raw.fits",
            "J8BT06040:J8BT06O6Q": "j8bt06o6q_raw.fits",
            "J8BT09040:J8BT09JCQ": "j8bt09jcq_raw.fits",
            "N8XTZCAWQ:N8XTZCAWQ": "cos_N8XTZCAWQ.fits"}


@pytest.fixture(scope="module")
def backend() -> str:
    """The dataset tests run on SQLite only."""
    return "sqlite"


@pytest.fixture(scope="module")
def datasets(django_db_setup: None, django_db_blocker) -> None:  # noqa: ANN001
    """The real HST test datasets imported into the SQLite test database (kept)."""
    if not HAVE_SHARED_DATA or not HST_DATA.is_dir():
        pytest.skip(f"shared CRDS test data not found at {HST_DATA}")
    with django_db_blocker.unblock(), override_settings(OPENCRDS_OBSERVATORY="hst"):
        done = manage("import_datasets", *(str(HST_DATA / f) for f in DATASETS.values()))
    assert sorted(line.split()[0] for line in done.stdout.splitlines()) == sorted(DATASETS)


@pytest.fixture
def hst(datasets: None, hst_server: Server) -> Server:
    """The SQLite HST server with the real HST test datasets imported."""
    return hst_server


@pytest.fixture
def hst_live(datasets: None, hst_http_server: Server) -> Server:
    """The same on a socket, for the crds client in a process of its own."""
    return hst_http_server


def test_import_reports_bad_files_and_goes_on(hst: Server, tmp_path: Path) -> None:
    bad = tmp_path / "garbage.fits"
    bad.write_bytes(b"not a FITS file at all")
    done = hst.manage("import_datasets", str(bad), str(HST_DATA / "j8bt06o6q_raw.fits"),
                      check=False)
    assert done.returncode != 0
    assert "garbage.fits" in done.stderr and "Traceback" not in done.stderr
    assert "J8BT06040:J8BT06O6Q" in done.stdout


def test_dataset_ids_by_instrument(hst: Server) -> None:
    assert hst.rpc("get_dataset_ids", hst.context, "acs", None) == sorted(
        i for i in DATASETS if i.startswith("J"))
    assert hst.rpc("get_dataset_ids", hst.context, "NICMOS") == ["N8XTZCAWQ:N8XTZCAWQ"]
    assert hst.rpc("get_dataset_ids", hst.context, "wfpc2", None) == []
    since = hst.rpc("get_dataset_ids", hst.context, "acs", "2002-04-13T12:00:00")
    assert since == ["J8BT05020:J8BT05NJQ", "J8BT06040:J8BT06O6Q"]  # 18:16 and 21:26, not 04:34
    with pytest.raises(RpcFailure, match="datasets_since"):
        hst.rpc("get_dataset_ids", hst.context, "acs", "yesterday")


def test_headers_by_product_exposure_or_full_id(hst: Server) -> None:
    answer = hst.rpc("get_dataset_headers_by_id", hst.context,
                     ["J8BT06040", "j8bt09jcq", "N8XTZCAWQ:N8XTZCAWQ", "NOPE"], None)
    assert set(answer) == {"J8BT06040:J8BT06O6Q", "J8BT09040:J8BT09JCQ", "N8XTZCAWQ:N8XTZCAWQ",
                           "NOPE:NOPE"}
    assert answer["NOPE:NOPE"].startswith("NOT FOUND")
    nicmos = answer["N8XTZCAWQ:N8XTZCAWQ"]
    assert nicmos["INSTRUME"] == "NICMOS" and nicmos["CAMERA"] == "3"
    assert all(isinstance(v, str) for v in nicmos.values())


def test_headers_hold_the_matching_parameters(hst: Server) -> None:
    """The served (minimized) header gives the same best references as the whole file."""
    pmap = opencrds.load_context(hst.context, cache=shared_data_dir() / "crds-cache")
    answer = hst.rpc("get_dataset_headers_by_id", hst.context, sorted(DATASETS))
    for dataset_id, filename in DATASETS.items():
        served = answer[dataset_id]
        full = read_header(HST_DATA / filename)
        instrument = full["INSTRUME"].lower()
        assert set(served) <= {"INSTRUME", *pmap.get_required_parkeys()[instrument]}
        assert len(served) < len(full)
        assert opencrds.get_best_references(pmap, served) == \
            opencrds.get_best_references(pmap, full), dataset_id


def test_bad_calls_are_errors(hst: Server) -> None:
    with pytest.raises(RpcFailure, match="at most"):
        hst.rpc("get_dataset_headers_by_id", hst.context, [f"X{i}" for i in range(1001)])
    with pytest.raises(RpcFailure, match="InvalidParams"):
        hst.rpc("get_dataset_headers_by_id", hst.context, "J8BT06O6Q")
    with pytest.raises(RpcFailure):
        hst.rpc("get_dataset_ids", "hst_9999.pmap", "acs")


@pytest.mark.oracle
@pytest.mark.slow
def test_crds_client_api_reads_our_datasets(hst_live: Server, tmp_path: Path) -> None:
    hst = hst_live
    script = ("import json, crds.client.api as a; "
              f"h = a.get_dataset_headers_by_id({hst.context!r}, ['J8BT06O6Q', 'N8XTZCAWQ']); "
              f"i = a.get_dataset_ids({hst.context!r}, 'acs'); "
              "print(json.dumps([h, i]))")
    done = subprocess.run([sys.executable, "-c", script], env=hst.crds_env(tmp_path / "cache"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    headers, ids = json.loads(done.stdout.strip().splitlines()[-1])
    assert ids == sorted(i for i in DATASETS if i.startswith("J"))
    assert set(headers) == {"J8BT06040:J8BT06O6Q", "N8XTZCAWQ:N8XTZCAWQ"}
    assert headers == hst.rpc("get_dataset_headers_by_id", hst.context,
                              ["J8BT06O6Q", "N8XTZCAWQ"])


@pytest.mark.oracle
@pytest.mark.slow
def test_crds_bestrefs_datasets_matches_bestrefs_of_the_file(hst_live: Server,
                                                              tmp_path: Path) -> None:
    """``crds bestrefs --datasets ID`` against our server picks what the file itself gets."""
    hst = hst_live
    env = hst.crds_env(tmp_path / "cache")
    by_id = run_crds("bestrefs", "--datasets", "J8BT06O6Q", "--new-context", hst.context,
                     "--print-new-references", env=env)
    assert by_id.returncode == 0, by_id.stderr[-3000:]
    by_file = run_crds("bestrefs", "--files", str(HST_DATA / "j8bt06o6q_raw.fits"),
                       "--new-context", hst.context, "--print-new-references", env=env)
    assert by_file.returncode == 0, by_file.stderr[-3000:]

    def results(text: str) -> list[str]:
        return [" ".join(line.split()[1:]) for line in text.splitlines() if " acs " in line]

    assert results(by_id.stdout) and results(by_id.stdout) == results(by_file.stdout)
    assert by_id.stdout.split()[0] == "j8bt06040:j8bt06o6q"

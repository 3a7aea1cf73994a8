"""``opencrds sql`` fetching the catalog from a live ``opencrds serve`` (HST), compared with
``crds sql`` run against the same server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from server_helpers import Server

from opencrds.client.catalog_db import db_path, fetch_db, list_tables, run_query
from opencrds.tools.main import main

ORACLE = Path(sys.executable).parent / "crds"


def _ours(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["sql", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_fetch_and_query(online: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ours("-u", "-t", capsys=capsys)
    assert code == 0, err
    assert out.split() == ["crds_hst_catalog", "crds_hst_context_history"]
    path = online / "config" / "hst" / "crds_db.sqlite3"
    assert path.is_file() and db_path("hst") == path
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp")] == []
    code, out, _ = _ours("select name, instrument from crds_hst_catalog "
                         "where name = 's7g1700gl_dead.fits'", capsys=capsys)
    assert code == 0 and out == "('s7g1700gl_dead.fits', 'cos')\n"
    code, out, _ = _ours("-c", "crds_hst_catalog", capsys=capsys)
    assert out.startswith("id, name, state, ")
    (count,), = run_query(path, "select count(*) from crds_hst_catalog where name like '%.pmap'")
    assert count > 0


def test_refetch_replaces_atomically(online: Path) -> None:
    first = fetch_db("hst")
    first.write_bytes(b"garbage")
    second = fetch_db("hst")
    assert second == first and list_tables(second)[0] == "crds_hst_catalog"
    assert sorted(p.name for p in second.parent.iterdir()) == ["crds_db.sqlite3"]


@pytest.mark.oracle
@pytest.mark.skipif(not ORACLE.exists(), reason="crds oracle not installed")
def test_like_crds_against_our_server(online: Path, tmp_path: Path, live_hst: Server,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    query = "select name, state, instrument from crds_hst_catalog order by name limit 20"
    env = {**live_hst.crds_env(tmp_path / "oracle-cache"), "CRDS_OBSERVATORY": "hst"}
    for args in (["-t"], [query], ["select context from crds_hst_context_history"]):
        proc = subprocess.run([str(ORACLE), "sql", *args], env=env, capture_output=True,
                              text=True, timeout=300)
        code, out, err = _ours(*args, capsys=capsys)
        assert (code, out) == (proc.returncode, proc.stdout), (err, proc.stderr)
        assert out.strip()
    assert os.path.exists(tmp_path / "oracle-cache" / "config" / "hst" / "crds_db.sqlite3")

"""``opencrds sql`` offline, on a catalog database file the test builds, against ``crds sql``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from opencrds.client.catalog_db import CatalogDbError, list_columns, list_tables, run_query
from opencrds.tools.main import main

BIN = Path(sys.executable).parent
ORACLE = BIN / "crds"
SERVERLESS = "https://hst-serverless-mode.stsci.edu"
needs_oracle = pytest.mark.skipif(not ORACLE.exists(), reason="crds oracle not installed")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache with ``config/hst/crds_db.sqlite3``; the CRDS variables point at it, offline."""
    for name in [n for n in os.environ if n.startswith("CRDS_")]:
        monkeypatch.delenv(name)
    root = tmp_path / "cache"
    monkeypatch.setenv("CRDS_PATH", str(root))
    monkeypatch.setenv("CRDS_SERVER_URL", SERVERLESS)
    monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    path = root / "config" / "hst" / "crds_db.sqlite3"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE crds_hst_catalog (id INTEGER PRIMARY KEY, name TEXT, state TEXT, "
               "size INTEGER)")
    db.execute("CREATE TABLE crds_hst_context_history (id INTEGER PRIMARY KEY, start_date TEXT, "
               "context TEXT)")
    db.execute("CREATE INDEX crds_hst_catalog_name ON crds_hst_catalog (name)")
    db.executemany("INSERT INTO crds_hst_catalog (name, state, size) VALUES (?, ?, ?)",
                   [("s7g1700gl_dead.fits", "operational", 8640),
                    ("hst_0729.pmap", "active", None)])
    db.execute("INSERT INTO crds_hst_context_history (start_date, context) "
               "VALUES ('2024-01-01 00:00:00', 'hst_0729.pmap')")
    db.commit()
    db.close()
    return root


def _ours(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["sql", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _oracle(*args: str) -> tuple[int, str]:
    proc = subprocess.run([str(ORACLE), "sql", *args], env=dict(os.environ), capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout


def _db(cache: Path) -> Path:
    return cache / "config" / "hst" / "crds_db.sqlite3"


QUERIES = [
    ("-t",),
    ("-p",),
    ("-c", "crds_hst_catalog"),
    ("select name, state, size from crds_hst_catalog order by name",),
    ("select", "count(*)", "from", "crds_hst_context_history"),
    ("-t", "-p", "select context from crds_hst_context_history"),
]


@needs_oracle
@pytest.mark.oracle
@pytest.mark.parametrize("args", QUERIES, ids=" ".join)
def test_like_crds(cache: Path, args: tuple[str, ...],
                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ours(*args, capsys=capsys)
    assert code == 0, err
    assert (code, out) == _oracle(*args)


def test_outputs(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ours("-t", capsys=capsys)[1] == "crds_hst_catalog\ncrds_hst_context_history\n"
    code, out, _ = _ours("-c", "crds_hst_catalog", "crds_hst_context_history", capsys=capsys)
    assert out == "id, name, state, size\nid, start_date, context\n"
    out = _ours("select name, size from crds_hst_catalog order by name", capsys=capsys)[1]
    assert out == "('hst_0729.pmap', None)\n('s7g1700gl_dead.fits', 8640)\n"
    assert _ours("-p", capsys=capsys)[1] == f"{_db(cache)}\n"


@pytest.mark.parametrize("query", [
    "INSERT INTO crds_hst_catalog (name) VALUES ('x.fits')",
    "DROP TABLE crds_hst_catalog",
    "DELETE FROM crds_hst_catalog",
])
def test_writes_refused(cache: Path, query: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _db(cache).read_bytes()
    code, out, err = _ours(query, capsys=capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and "read-only" in lines[0] and lines[0].startswith("CRDS - ERROR -")
    assert _db(cache).read_bytes() == before


@pytest.mark.parametrize("args, fragment", [
    (("selec name from crds_hst_catalog",), "syntax error"),
    (("select * from nope",), "no such table: nope"),
    (("-c", "nope"), "no table 'nope'"),
])
def test_bad_sql_one_error(cache: Path, args: tuple[str, ...], fragment: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ours(*args, capsys=capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and fragment in lines[0]


def test_missing_db_offline(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _db(cache).unlink()
    code, out, err = _ours("-t", "select 1", capsys=capsys)
    assert code == 0 and out == ""
    assert "INFO -  Downloading CRDS catalog database file." in err
    assert "WARNING -  Failed updating local CRDS database : Configured for server-less" in err
    assert not _db(cache).exists()
    if ORACLE.exists():
        assert _oracle("-t")[1] == ""


def test_update_refused_on_readonly_cache(cache: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    code, out, err = _ours("-u", "-t", capsys=capsys)
    assert code == 0 and "Readonly cache" in err
    assert out == "crds_hst_catalog\ncrds_hst_context_history\n"  # the old copy still works


def test_library(cache: Path) -> None:
    path = _db(cache)
    assert list_tables(path) == ["crds_hst_catalog", "crds_hst_context_history"]
    assert list_columns(path, "crds_hst_context_history") == ["id", "start_date", "context"]
    assert list(run_query(path, "select count(*) from crds_hst_catalog")) == [(2,)]
    with pytest.raises(CatalogDbError, match="read-only"):
        list(run_query(path, "UPDATE crds_hst_catalog SET state = 'x'"))
    with pytest.raises(CatalogDbError, match="no catalog database"):
        list_tables(path.with_name("other.sqlite3"))

"""The ``get_sqlite_db`` codec (PROTOCOL.md §6): base64(zlib(SQLite bytes))."""

from __future__ import annotations

import base64
import sqlite3
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.protocol import CatalogEncodingError, decode_catalog_db, encode_catalog_db
from opencrds.protocol.catalog_codec import SQLITE_MAGIC


def _database(tmp_path: Path) -> bytes:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE crds_hst_catalog (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO crds_hst_catalog (name) VALUES ('hst.pmap')")
    return path.read_bytes()


def test_database_round_trip(tmp_path: Path) -> None:
    data = _database(tmp_path)
    encoded = encode_catalog_db(data)
    assert zlib.decompress(base64.b64decode(encoded)) == data  # what the crds client does
    assert decode_catalog_db(encoded) == data


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=9))
def test_any_sqlite_bytes_round_trip(tail: bytes, level: int) -> None:
    data = SQLITE_MAGIC + tail
    assert decode_catalog_db(encode_catalog_db(data, level)) == data


@pytest.mark.parametrize("encoded, message", [
    ("***", "not base64 zlib data"),
    (base64.b64encode(b"not zlib").decode(), "not base64 zlib data"),
    (base64.b64encode(zlib.compress(b"plain text")).decode(), "not an SQLite database"),
    (None, "not base64 zlib data"),
])
def test_malformed_answers(encoded: str, message: str) -> None:
    with pytest.raises(CatalogEncodingError, match=message):
        decode_catalog_db(encoded)

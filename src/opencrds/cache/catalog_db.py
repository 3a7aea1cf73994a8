"""The server catalog as SQLite in the cache: ``config/<obs>/crds_db.sqlite3``
(``sync --fetch-sqlite-db``; PROTOCOL.md §6)."""

from __future__ import annotations

import base64
import binascii
import zlib
from pathlib import Path

from ..rules.errors import CrdsError
from .paths import branch_dir
from .storage import write_verified

SQLITE_MAGIC = b"SQLite format 3\x00"


class CatalogDbError(CrdsError):
    """The server's answer is not a base64, zlib-compressed SQLite file."""


def catalog_db_path(observatory: str) -> Path:
    return branch_dir("config", observatory) / "crds_db.sqlite3"


def decode_catalog_db(encoded: str) -> bytes:
    """The SQLite bytes of a ``get_sqlite_db`` answer (base64 of zlib)."""
    try:
        data = zlib.decompress(base64.b64decode(encoded, validate=False))
    except (binascii.Error, zlib.error, TypeError, ValueError) as exc:
        raise CatalogDbError(f"get_sqlite_db answer is not base64 zlib data: {exc}") from None
    if not data.startswith(SQLITE_MAGIC):
        raise CatalogDbError("get_sqlite_db answer is not an SQLite database")
    return data


def save_catalog_db(observatory: str, encoded: str) -> Path:
    """Decode and write the catalog atomically; its path (read-only caches raise)."""
    path = catalog_db_path(observatory)
    write_verified(path, [decode_catalog_db(encoded)])
    return path

"""The server catalog as SQLite in the cache: ``config/<obs>/crds_db.sqlite3``
(``sync --fetch-sqlite-db``; PROTOCOL.md §6)."""

from __future__ import annotations

from pathlib import Path

from ..protocol.catalog_codec import CatalogEncodingError, decode_catalog_db
from ..rules.errors import CrdsError
from .paths import branch_dir
from .storage import write_verified


class CatalogDbError(CrdsError):
    """The server's answer is not a base64, zlib-compressed SQLite file."""


def catalog_db_path(observatory: str) -> Path:
    return branch_dir("config", observatory) / "crds_db.sqlite3"


def save_catalog_db(observatory: str, encoded: str) -> Path:
    """Decode and write the catalog atomically; its path (read-only caches raise)."""
    path = catalog_db_path(observatory)
    try:
        data = decode_catalog_db(encoded)
    except CatalogEncodingError as exc:
        raise CatalogDbError(str(exc)) from None
    write_verified(path, [data])
    return path

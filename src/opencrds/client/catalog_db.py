"""The server catalog as a local SQLite file (PROTOCOL.md §6, TOOLS.md §2.13).

``fetch_db`` downloads it with ``get_sqlite_db`` (base64 of a zlib-compressed SQLite file) into
``config/<obs>/crds_db.sqlite3`` of the cache, atomically; the query helpers open that file
read-only (``sqlite3`` URI ``mode=ro``), so no statement can change it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from ..cache.catalog_db import CatalogDbError, catalog_db_path, save_catalog_db
from ..cache.storage import check_writable
from .rpc import RpcClient, server_url

__all__ = ["CatalogDbError", "CatalogQueryError", "connect_readonly", "db_path", "fetch_db",
           "list_columns", "list_tables", "run_query"]


class CatalogQueryError(CatalogDbError):
    """The local catalog database cannot be opened, or a query on it failed or tried to write."""


def db_path(observatory: str) -> Path:
    """``<CRDS config>/<obs>/crds_db.sqlite3``."""
    return catalog_db_path(observatory)


def fetch_db(observatory: str, client: RpcClient | None = None) -> Path:
    """Download the catalog of ``observatory`` into the cache (atomic replace); its path.

    Raises ReadonlyCacheError on a read-only cache, ServiceError if the server fails and
    CatalogDbError if the answer is not an encoded SQLite file.
    """
    check_writable()
    owned = client is None
    client = client or RpcClient(server_url(observatory))
    try:
        encoded = client.call("get_sqlite_db", observatory)
    finally:
        if owned:
            client.close()
    return save_catalog_db(observatory, encoded)


def connect_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only connection to an existing database file."""
    path = Path(path)
    if not path.is_file():
        raise CatalogQueryError(f"no catalog database at '{path}' (fetch it with --update-db)")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CatalogQueryError(f"cannot open catalog database '{path}': {exc}") from None


def list_tables(path: str | os.PathLike[str]) -> list[str]:
    """The names of the database's tables, in creation order."""
    with closing(connect_readonly(path)) as db:
        try:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        except sqlite3.DatabaseError as exc:
            raise CatalogQueryError(f"cannot read catalog database '{path}': {exc}") from None
    return [name for (name,) in rows]


def list_columns(path: str | os.PathLike[str], table: str) -> list[str]:
    """The column names of ``table``; CatalogQueryError if there is no such table."""
    if table not in list_tables(path):
        raise CatalogQueryError(f"no table '{table}' in catalog database '{path}'")
    with closing(connect_readonly(path)) as db:
        cursor = db.execute(f'SELECT * FROM "{table}" LIMIT 0')
        return [d[0] for d in cursor.description]


def run_query(path: str | os.PathLike[str], sql: str) -> Iterator[tuple]:
    """The rows of ``sql`` run on the read-only database; CatalogQueryError for bad SQL or any
    attempt to write."""
    db = connect_readonly(path)
    try:
        try:
            cursor = db.execute(sql)
            yield from cursor
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc):
                raise CatalogQueryError(f"the catalog database is read-only; query refused: "
                                     f"{sql!r}") from None
            raise CatalogQueryError(f"SQL query failed: {exc}: {sql!r}") from None
        except (sqlite3.Error, sqlite3.Warning) as exc:
            raise CatalogQueryError(f"SQL query failed: {exc}: {sql!r}") from None
    finally:
        db.close()


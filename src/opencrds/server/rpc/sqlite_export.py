"""The catalog as an SQLite file for ``get_sqlite_db`` (PROTOCOL.md §6): base64(zlib(db))."""

from __future__ import annotations

import os
import sqlite3
import tempfile

from ...protocol.catalog_codec import encode_catalog_db
from ..catalog import queries
from ..catalog.models import ContextHistory, FileRecord
from ..catalog.revision_cache import cache

CATALOG_COLUMNS = (
    "name", "state", "blacklisted", "rejected", "observatory", "instrument", "filekind", "type",
    "derived_from", "sha1sum", "delivery_date", "activation_date", "useafter_date",
    "change_level", "pedigree", "reference_file_type", "size", "uploaded_as", "creator_name",
    "deliverer_user", "deliverer_email", "description", "replaced_by_filename", "comment",
    "aperture",
)


def build_db(observatory: str, path: str) -> None:
    """Write tables ``crds_<obs>_catalog`` and ``crds_<obs>_context_history`` to ``path``."""
    catalog, history = f"crds_{observatory}_catalog", f"crds_{observatory}_context_history"
    db = sqlite3.connect(path)
    try:
        columns = ", ".join(f"{c} {'INTEGER' if c == 'size' else 'TEXT'}"
                            for c in CATALOG_COLUMNS)
        db.execute(f"CREATE TABLE {catalog} (id INTEGER PRIMARY KEY, {columns})")
        db.execute(f"CREATE TABLE {history} (id INTEGER PRIMARY KEY, start_date TEXT, "
                   "context TEXT, state TEXT, description TEXT)")
        rows = FileRecord.objects.filter(observatory=observatory).order_by("name").values_list(
            *CATALOG_COLUMNS)
        dates = {CATALOG_COLUMNS.index(c) for c in
                 ("delivery_date", "activation_date", "useafter_date")}
        flags = {CATALOG_COLUMNS.index(c) for c in ("blacklisted", "rejected")}

        def convert(row: tuple) -> tuple:
            return tuple(queries.format_date(v) if i in dates else
                         ("true" if v else "false") if i in flags else v
                         for i, v in enumerate(row))

        marks = ", ".join("?" * len(CATALOG_COLUMNS))
        db.executemany(f"INSERT INTO {catalog} ({', '.join(CATALOG_COLUMNS)}) VALUES ({marks})",
                       (convert(row) for row in rows.iterator(chunk_size=5000)))
        entries = (ContextHistory.objects.filter(observatory=observatory)
                   .order_by("start_date", "id")
                   .values_list("start_date", "context", "state", "description"))
        db.executemany(f"INSERT INTO {history} (start_date, context, state, description) "
                       "VALUES (?, ?, ?, ?)",
                       ((queries.format_date(d), c, s, t) for d, c, s, t in entries))
        db.execute(f"CREATE INDEX {catalog}_name ON {catalog} (name)")
        db.commit()
    finally:
        db.close()


def encoded_db(observatory: str) -> str:
    """base64 of the zlib-compressed catalog database, rebuilt when the catalog changes."""
    return cache.get(observatory, "sqlite export", lambda _: _encode_new_db(observatory))


def _encode_new_db(observatory: str) -> str:
    fd, path = tempfile.mkstemp(suffix=".sqlite3")
    os.close(fd)
    try:
        os.unlink(path)
        build_db(observatory, path)
        with open(path, "rb") as stream:
            return encode_catalog_db(stream.read(), 6)
    finally:
        if os.path.exists(path):
            os.unlink(path)

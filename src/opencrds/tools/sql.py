"""``opencrds sql [QUERY...]``: SQL on the cached copy of the server catalog (TOOLS.md §2.13).

The database is ``config/<obs>/crds_db.sqlite3`` in the cache, downloaded with the server's
``get_sqlite_db`` when missing or with ``-u``; it is opened read-only. Output: one Python tuple
per row, columns joined by ``, ``, tables one per line. Exit status: the number of errors.
"""

from __future__ import annotations

import argparse

from ..client.catalog_db import (
    CatalogDbError,
    db_path,
    fetch_db,
    list_columns,
    list_tables,
    run_query,
)
from ..client.serverinfo import default_observatory
from ..rules.errors import CrdsError
from .common import count, log
from .switches import add_observatory_switches


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds sql``."""
    parser.add_argument("sql_query", nargs="*",
                        help="SQLite query to run on the cached database (words are joined)")
    parser.add_argument("-u", "--update-db", action="store_true",
                        help="download the catalog database again from the CRDS server")
    parser.add_argument("-t", "--list-tables", action="store_true",
                        help="print the names of the database's tables")
    parser.add_argument("-c", "--list-columns", nargs="+", metavar="TABLE",
                        help="print the column names of each TABLE")
    parser.add_argument("-p", "--list-database-path", action="store_true",
                        help="print the path of the local SQLite database file")
    add_observatory_switches(parser.add_mutually_exclusive_group().add_argument,
                             lambda switch: f"use the {switch.label} catalog")


def run(args: argparse.Namespace) -> int:
    """Fetch the database if needed, then list or query it; return the error count."""
    observatory = default_observatory(args.observatory)
    path = db_path(observatory)
    if args.update_db or not path.is_file():
        log.info("Downloading CRDS catalog database file.")
        try:
            fetch_db(observatory)
            log.info("Loaded database %s", path)
        except CrdsError as exc:
            log.warning("Failed updating local CRDS database : %s", exc)
    try:
        if args.list_tables and path.is_file():
            print("\n".join(list_tables(path)))
        if args.list_database_path:
            print(path)
        if not path.is_file():
            return count("ERROR")
        for table in args.list_columns or ():
            print(", ".join(list_columns(path, table)))
        if args.sql_query:
            for row in run_query(path, " ".join(args.sql_query)):
                print(row)
    except CatalogDbError as exc:
        log.error("%s", exc)
    return count("ERROR")

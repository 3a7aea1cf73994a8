"""The shared CRDS cache imported once per test run and copied into each test process's test
databases.

Importing the real HST and JWST caches takes tens of seconds per database; under pytest-xdist
every worker would pay it for each backend. Instead, under a file lock in a folder the run's
workers share, the first worker to need a backend imports the cache into its own test database
(``manage import_cache``, the store under that folder) and keeps a template of it: an SQLite file,
or a PostgreSQL template database; the others copy that (SQLite's backup API, ``CREATE DATABASE
... TEMPLATE``). The last worker done with a template removes it; a later one builds it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
from django.db import connections
from inprocess import close_database_wrappers, import_shared_cache

from helpers import PG_ADMIN_URL

#: The server of the PostgreSQL test databases, as tests/django_settings.py has it.


class SharedCatalog:
    """Templates of the imported test databases in ``root`` (shared by the run's workers)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.store = root / "store"
        self.mine: list[str] = []

    @contextlib.contextmanager
    def _lock(self, alias: str) -> Iterator[dict]:
        """The state of ``alias``'s template, locked against the other workers (``flock``);
        written back on leaving."""
        path = self.root / f"{alias}.json"
        with open(self.root / f"{alias}.lock", "a") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            try:
                state = json.loads(path.read_text()) if path.exists() else {"users": 0}
                yield state
                if state.get("users"):
                    path.write_text(json.dumps(state))
                else:
                    path.unlink(missing_ok=True)
            finally:
                fcntl.flock(stream, fcntl.LOCK_UN)

    def load(self, alias: str) -> None:
        """Fill the (new, migrated) test database ``alias`` with the imported cache."""
        with self._lock(alias) as state:
            if state["users"]:
                self._restore(alias)
            else:
                import_shared_cache(alias)
                self._save(alias)
            state["users"] += 1
        self.mine.append(alias)

    def release(self) -> None:
        """This worker is done with its templates: the last user removes each."""
        for alias in self.mine:
            with self._lock(alias) as state:
                state["users"] -= 1
                if not state["users"]:
                    self._remove(alias)
        self.mine.clear()

    # ---- per backend -----------------------------------------------------------------------

    def _sqlite_template(self) -> Path:
        return self.root / "default.sqlite3"

    def _pg_template(self) -> str:
        return "opencrds_template_" + hashlib.sha1(str(self.root).encode()).hexdigest()[:12]

    def _save(self, alias: str) -> None:
        connection = connections[alias]
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            temporary = self._sqlite_template().with_suffix(".tmp")
            target = sqlite3.connect(temporary)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            os.replace(temporary, self._sqlite_template())
        else:
            self._pg_copy(connection.settings_dict["NAME"], self._pg_template())

    def _restore(self, alias: str) -> None:
        connection = connections[alias]
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(self._sqlite_template())
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            self._pg_copy(self._pg_template(), connection.settings_dict["NAME"], replace=True)

    def _remove(self, alias: str) -> None:
        if connections[alias].vendor == "sqlite":
            self._sqlite_template().unlink(missing_ok=True)
        else:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self._pg_template()}"')

    @staticmethod
    def _pg_copy(source: str, target: str, replace: bool = False) -> None:
        """``CREATE DATABASE target TEMPLATE source`` (no one may be connected to either)."""
        close_database_wrappers()
        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            if replace:
                admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')

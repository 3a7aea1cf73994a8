"""The explicit start-up steps of a server process (nothing here runs on import).

- :func:`prepare_home`: the data folder and SQLite database owner-only, the embedded default's
  secret key; run by ``opencrds serve``, ``opencrds manage`` and the WSGI entry point.
- :func:`apply_migrations`: pending migrations applied once, under :func:`schema_lock`, by the
  process that finds them (``serve``'s master before it forks, or ``manage``), never by every
  worker.
- :func:`collect_static`: the admin's CSS and JavaScript copied to ``STATIC_ROOT``, where
  WhiteNoise serves them.

Every step is idempotent and safe when several processes (or hosts) start at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from .config import ServerConfig, current
from .home import MIGRATION_LOCK_SUFFIX, ensure_secret_key, make_private

log = logging.getLogger("opencrds.server")

#: The key of the PostgreSQL advisory lock held while migrations are applied.
MIGRATION_LOCK_KEY = zlib.crc32(b"opencrds: apply migrations")
STATIC_LOCK_FILE = "static.lock"


def prepare_home(config: ServerConfig | None = None) -> ServerConfig:
    """Check the configuration and make the data folder ready; the configuration.

    :class:`~opencrds.server.config.MissingSecretKey` (before anything is written) with
    ``DATABASE_URL`` and no ``OPENCRDS_SECRET_KEY``.
    """
    config = config or current()
    config.secret_key()
    make_private(config.home, config.sqlite_path)
    if config.keeps_own_secret_key:
        ensure_secret_key(config.home)
    return config


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on this host (``flock`` on ``path``, mode 0600)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _advisory_lock(key: int) -> Iterator[None]:
    """A PostgreSQL session advisory lock, on a connection of its own: one holder among
    every process and host using the database."""
    from django.db import connections

    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        connection.close()


@contextlib.contextmanager
def schema_lock() -> Iterator[None]:
    """Held while the database's schema changes: a file beside an SQLite database, an
    advisory lock on PostgreSQL. Django must be set up."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor == "sqlite":
        with file_lock(Path(connection.settings_dict["NAME"] + MIGRATION_LOCK_SUFFIX)):
            yield
    elif connection.vendor == "postgresql":
        with _advisory_lock(MIGRATION_LOCK_KEY):
            yield
    else:
        yield


def pending_migrations() -> list[str]:
    """The migrations the database still lacks (``app.name``)."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def apply_migrations() -> int:
    """Apply pending migrations, once among processes starting together; how many."""
    from django.core.management import call_command

    if not pending_migrations():
        return 0
    with schema_lock():
        pending = pending_migrations()  # another process may have applied them meanwhile
        if pending:
            log.info("Applying %d database migrations.", len(pending))
            call_command("migrate", interactive=False, verbosity=0)
    return len(pending)


def collect_static() -> None:
    """Copy the static files of the installed apps to ``STATIC_ROOT`` (unchanged ones are
    skipped), one process at a time."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    with file_lock(root.parent / STATIC_LOCK_FILE):
        call_command("collectstatic", interactive=False, verbosity=0)

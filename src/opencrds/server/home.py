"""Where the server keeps things: ``$OPENCRDS_HOME`` (database, secret key, file store).

The folder is the server's alone (mode 0700) and so is the SQLite database (0600, with its
``-wal``/``-shm`` files): it holds password hashes and sessions. Nothing here runs on import:
:func:`make_private` and :func:`ensure_secret_key` are called by the start-up step
(:func:`opencrds.server.startup.prepare_home`) of every command and of the WSGI entry point, so
older installs created world-readable are fixed too.

Layout::

    $OPENCRDS_HOME/
      db.sqlite3          the catalog (unless DATABASE_URL names another database)
      db.sqlite3-migrate.lock    locked while migrations are applied
      secret_key          Django's SECRET_KEY, created on first start (mode 0600)
      static/             the admin's CSS and JavaScript (collectstatic, under static.lock)
      cache/              the file store, laid out like a CRDS cache:
        mappings/<obs>/   references/<obs>/   config/<obs>/
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
from pathlib import Path

APP_NAME = "opencrds"
SECRET_KEY_FILE = "secret_key"
#: Beside an SQLite database: the file locked while migrations are applied to it.
MIGRATION_LOCK_SUFFIX = "-migrate.lock"


def user_data_dir() -> Path:
    """The per-user data directory of the platform (XDG on Linux)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def _restrict(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` if it is ours and looser; a warning if that fails."""
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 != mode:
            path.chmod(mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logging.getLogger("opencrds.server").warning("could not make %s private: %s", path, exc)


def make_private(home: Path, database: Path | None = None) -> None:
    """Create ``home`` owner-only (0700) and the SQLite ``database`` file owner-only (0600),
    or restrict them (and the database's -wal/-shm/-journal and lock files) where they exist."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid"):  # POSIX
        _restrict(home, 0o700)
    if database is None:
        return
    try:  # SQLite gives its -wal and -shm files the mode of the database file
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        logging.getLogger("opencrds.server").warning("could not create %s: %s", database, exc)
    if hasattr(os, "getuid"):
        for suffix in ("", "-wal", "-shm", "-journal", MIGRATION_LOCK_SUFFIX):
            _restrict(database.with_name(database.name + suffix), 0o600)


def home_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``override``, else ``$OPENCRDS_HOME``, else a folder in the user's data directory."""
    value = override or os.environ.get("OPENCRDS_HOME")
    return Path(value).expanduser().resolve() if value else user_data_dir()


def store_root(home: Path | None = None) -> Path:
    """Root of the file store (a CRDS cache layout)."""
    return (home or home_dir()) / "cache"


def read_secret_key(home: Path) -> str:
    """The key kept in ``home/secret_key``; ``""`` while there is none (nothing is written)."""
    try:
        return (home / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def ensure_secret_key(home: Path) -> str:
    """The key kept in ``home/secret_key``, made (mode 0600) if there is none yet.

    Safe when several processes start at once: the key is written to a temporary file and
    linked into place, which fails if another process got there first; then everyone reads
    the one file that won, always complete.
    """
    path = home / SECRET_KEY_FILE
    key = read_secret_key(home)
    if key:
        return key
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".secret_key-", dir=home)  # mode 0600
    try:
        with os.fdopen(fd, "w") as stream:
            stream.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(temporary, path)  # atomic; never replaces a key another process made
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return path.read_text().strip()

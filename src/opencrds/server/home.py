"""Where the server keeps things: ``$OPENCRDS_HOME`` (database, secret key, file store).

Layout::

    $OPENCRDS_HOME/
      db.sqlite3          the catalog (unless DATABASE_URL names another database)
      secret_key          Django's SECRET_KEY, created on first use (mode 0600)
      cache/              the file store, laid out like a CRDS cache:
        mappings/<obs>/   references/<obs>/   config/<obs>/
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

APP_NAME = "opencrds"


def user_data_dir() -> Path:
    """The per-user data directory of the platform (XDG on Linux)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def home_dir() -> Path:
    """``$OPENCRDS_HOME``, or a folder in the user's data directory."""
    value = os.environ.get("OPENCRDS_HOME")
    return Path(value).expanduser().resolve() if value else user_data_dir()


def store_root(home: Path | None = None) -> Path:
    """Root of the file store (a CRDS cache layout)."""
    return (home or home_dir()) / "cache"


def secret_key(home: Path | None = None) -> str:
    """``$OPENCRDS_SECRET_KEY``, or a key kept in ``$OPENCRDS_HOME/secret_key``."""
    value = os.environ.get("OPENCRDS_SECRET_KEY")
    if value:
        return value
    path = (home or home_dir()) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as stream:
        stream.write(key + "\n")
    return key

"""``DATABASE_URL`` → a Django ``DATABASES['default']`` entry (PostgreSQL or SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def sqlite_database(path: Path) -> dict[str, Any]:
    """An SQLite database at ``path``, tuned for several server processes (WAL)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def parse_database_url(url: str) -> dict[str, Any]:
    """Parse ``postgresql://user:pass@host:port/name?opt=value`` or ``sqlite:///path``."""
    parts = urlsplit(url)
    engine = _ENGINES.get(parts.scheme)
    if engine is None:
        raise ValueError(f"unsupported DATABASE_URL scheme {parts.scheme!r}")
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc and parts.netloc != "localhost":
            raise ValueError("sqlite DATABASE_URL must be sqlite:///absolute/path")
        return sqlite_database(Path(path))
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": engine,
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }

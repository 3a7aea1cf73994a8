"""What one server process is configured with: its environment, and what its command says.

The environment variables (``OPENCRDS_HOME``, ``OPENCRDS_OBSERVATORY``,
``OPENCRDS_ALLOWED_HOSTS``, ``DATABASE_URL``, ``OPENCRDS_SECRET_KEY``) are read here, once per
use; :func:`configure` lets a command (``opencrds serve --home DIR --observatory NAME``) take
their place for its own process without writing to ``os.environ``. The settings module and the
start-up step (:mod:`opencrds.server.startup`) both read :func:`current`, so they agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from opencrds.rules.errors import CrdsError

from .dburl import parse_database_url, sqlite_database
from .home import home_dir, read_secret_key, store_root

DEFAULT_ALLOWED_HOSTS = "localhost,127.0.0.1,[::1]"
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


class MissingSecretKey(CrdsError, ImproperlyConfigured):
    """A server on a shared database (``DATABASE_URL``) was started without
    ``OPENCRDS_SECRET_KEY``: its processes and hosts must all use one key, given to them."""

    def __init__(self) -> None:
        super().__init__(
            "OPENCRDS_SECRET_KEY is not set: with DATABASE_URL every server process and host "
            "must share one secret key, given in the environment. Make one with "
            f"{MAKE_A_KEY} and set OPENCRDS_SECRET_KEY to it (keep it secret).")


@dataclass(frozen=True)
class _Overrides:
    home: str | None = None
    observatory: str | None = None
    allowed_hosts: tuple[str, ...] | None = None


_overrides = _Overrides()


def configure(*, home: str | os.PathLike[str] | None = None, observatory: str | None = None,
              allowed_hosts: list[str] | None = None) -> None:
    """Values this process uses instead of ``OPENCRDS_HOME``, ``OPENCRDS_OBSERVATORY`` and
    ``OPENCRDS_ALLOWED_HOSTS`` (``None``: the environment's). Call it before Django is set
    up; processes forked afterwards (gunicorn's workers) inherit it."""
    global _overrides
    _overrides = _Overrides(
        home=os.fspath(home) if home else None,
        observatory=observatory,
        allowed_hosts=tuple(allowed_hosts) if allowed_hosts is not None else None)


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@dataclass(frozen=True)
class ServerConfig:
    """The configuration one server process starts with."""

    home: Path
    observatory: str | None
    allowed_hosts: list[str] = field(default_factory=list)
    database_url: str | None = None
    given_secret_key: str | None = None

    @property
    def store(self) -> Path:
        """Root of the file store."""
        return store_root(self.home)

    @property
    def database(self) -> dict[str, Any]:
        """Django's ``DATABASES['default']``: ``DATABASE_URL``'s, else SQLite in the home."""
        if self.database_url:
            return parse_database_url(self.database_url)
        return sqlite_database(self.home / "db.sqlite3")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, if the database is one."""
        database = self.database
        return Path(database["NAME"]) if database["ENGINE"].endswith("sqlite3") else None

    @property
    def keeps_own_secret_key(self) -> bool:
        """True for the embedded default, which makes a key in its home and keeps it."""
        return not self.given_secret_key and not self.database_url

    def secret_key(self) -> str:
        """``OPENCRDS_SECRET_KEY``, else the home's key (``""`` before the first start);
        :class:`MissingSecretKey` with ``DATABASE_URL`` and no key given."""
        if self.given_secret_key:
            return self.given_secret_key
        if self.database_url:
            raise MissingSecretKey()
        return read_secret_key(self.home)


def current() -> ServerConfig:
    """This process's configuration: :func:`configure`'s values, else the environment's."""
    environ = os.environ
    observatory = _overrides.observatory or environ.get("OPENCRDS_OBSERVATORY", "")
    if _overrides.allowed_hosts is not None:
        hosts = list(_overrides.allowed_hosts)
    else:
        hosts = _csv(environ.get("OPENCRDS_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS))
    return ServerConfig(
        home=home_dir(_overrides.home),
        observatory=observatory.strip().lower() or None,
        allowed_hosts=hosts,
        database_url=environ.get("DATABASE_URL") or None,
        given_secret_key=environ.get("OPENCRDS_SECRET_KEY") or None)

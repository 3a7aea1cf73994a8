"""Django settings of the in-process server tests (pytest-django, ``DJANGO_SETTINGS_MODULE``).

The server's own settings, read with a clean environment whose ``OPENCRDS_HOME`` is a fresh
temporary folder (removed when the test process ends), so importing them touches nothing of the
user's; then two test databases: ``default`` (SQLite, in memory) and, when the local PostgreSQL
test server answers, ``postgresql`` (pytest-django creates ``test_<name>``, with the xdist
worker as suffix). Which one the server code uses is chosen per test by the ``backend`` fixture
of tests/server/conftest.py.

Kept out of the package on purpose: a subprocess that inherited ``DJANGO_SETTINGS_MODULE``
fails at once instead of quietly serving a temporary folder.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from helpers import PG_ADMIN_URL, postgres_unavailable

_READ_AT_IMPORT = ("OPENCRDS_", "DATABASE_URL")


def _temporary_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="opencrds-test-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def _server_settings(home: Path) -> dict[str, object]:
    """The names :mod:`opencrds.server.settings` defines, read with only ``OPENCRDS_HOME`` set."""
    saved = {name: value for name, value in os.environ.items()
             if name.startswith(_READ_AT_IMPORT)}
    for name in saved:
        del os.environ[name]
    os.environ["OPENCRDS_HOME"] = str(home)
    try:
        from opencrds.server import settings as base
    finally:
        del os.environ["OPENCRDS_HOME"]
        os.environ.update(saved)
    return {name: getattr(base, name) for name in dir(base) if name.isupper()}


_HOME = _temporary_home()
(_HOME / "static").mkdir()  # WhiteNoise's STATIC_ROOT (serve collects into it; tests do not)
globals().update(_server_settings(_HOME))

from opencrds.server.dburl import parse_database_url  # noqa: E402

#: The embedded default makes its key at start-up, which tests do not run: one of their own.
SECRET_KEY = "opencrds-tests-" + uuid.uuid4().hex

#: Why the PostgreSQL backend is skipped (None: it is tested).
POSTGRESQL_SKIP_REASON = postgres_unavailable()

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",  # in memory while testing
                         "NAME": str(_HOME / "db.sqlite3")}}
if POSTGRESQL_SKIP_REASON is None:
    # A name of its own per run, so parallel runs on one PostgreSQL server never share one.
    _name = f"opencrds_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    DATABASES["postgresql"] = {
        **parse_database_url(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{_name}"),
        "CONN_MAX_AGE": 0, "TEST": {"NAME": f"test_{_name}"}}



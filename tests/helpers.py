"""Helpers shared by the tests of every layer (``tests/`` is on ``sys.path``)."""

from __future__ import annotations

import os

#: Variables a user's shell does not hold: the tools' own (the crds library, imported in-process
#: by oracle tests, writes its whole configuration into ``os.environ``), and the settings module
#: pytest-django sets for the in-process server tests.
NOT_A_USERS = ("CRDS_", "OPENCRDS_", "DJANGO_SETTINGS_MODULE")


def user_environment() -> dict[str, str]:
    """This process's environment as a user's shell would hand it to a subprocess: without
    ``CRDS_*``/``OPENCRDS_*`` variables or ``DJANGO_SETTINGS_MODULE``."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(NOT_A_USERS)}


#: The local PostgreSQL test server (trust auth); ``OPENCRDS_TEST_PG`` names another.
PG_ADMIN_URL = os.environ.get("OPENCRDS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_unavailable() -> str | None:
    """None if the PostgreSQL test server answers, else why not (the reason a test skips)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: not available
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}"

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

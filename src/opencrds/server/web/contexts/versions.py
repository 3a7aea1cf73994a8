"""The versions of the software this server runs (``/version_info/``)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

#: Distributions shown when installed, in this order.
PACKAGES = ("opencrds", "Django", "astropy", "asdf", "numpy", "httpx", "huey", "gunicorn",
            "psycopg", "PyYAML", "django-axes", "crds", "jwst", "romancal", "roman_datamodels",
            "stdatamodels")


def package_versions() -> list[tuple[str, str]]:
    """(name, version) of Python and of each of :data:`PACKAGES` installed."""
    found = [("python", sys.version.split()[0]), ("platform", platform.platform(terse=True))]
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return found

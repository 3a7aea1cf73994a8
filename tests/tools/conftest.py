"""Fixtures of the command tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def env(crds_cache: Path) -> dict[str, str]:
    """Both tools offline on the shared cache, which they must not write."""
    return {**os.environ, "CRDS_PATH": str(crds_cache), "CRDS_MODE": "local",
            "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}

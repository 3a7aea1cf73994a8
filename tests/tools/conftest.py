"""Fixtures of the command tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_runs import user_environment


@pytest.fixture(scope="module")
def env(crds_cache: Path) -> dict[str, str]:
    """Both tools offline on the shared cache, which they must not write."""
    return {**user_environment(), "CRDS_PATH": str(crds_cache), "CRDS_MODE": "local",
            "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}

"""Shared fixtures: the real data in ../shared/data and the real crds client as an oracle."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$OPENCRDS_SHARED_DATA``, or ``../shared/data`` beside the repository."""
    configured = os.environ.get("OPENCRDS_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real CRDS data not found at {path} (set OPENCRDS_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def crds_cache(shared_data: Path) -> Path:
    path = shared_data / "crds-cache"
    if not (path / "mappings").is_dir():
        pytest.skip(f"no CRDS cache at {path}")
    return path


@pytest.fixture(scope="session")
def crds_test_data(shared_data: Path) -> Path:
    path = shared_data / "crds-test-data"
    if not path.is_dir():
        pytest.skip(f"no CRDS test data at {path}")
    return path


@pytest.fixture(scope="session")
def oracle_env(crds_cache: Path):
    """The real crds 14.0.3 module, serverless on the shared cache (never contacts a server)."""
    os.environ["CRDS_PATH"] = os.fspath(crds_cache)
    os.environ["CRDS_MODE"] = "local"
    os.environ["CRDS_SERVER_URL"] = "https://localhost:1"
    os.environ.pop("CRDS_OBSERVATORY", None)
    crds = pytest.importorskip("crds", reason="the crds oracle is in the 'test' extra")
    return crds

"""A live ``opencrds serve`` (HST, SQLite) for the client tests, started once per session with
the helpers of tests/server, and a clean per-test cache environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import HAVE_SHARED_DATA, Server, ServerPool  # noqa: E402


@pytest.fixture(scope="session")
def live_hst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA:
        pytest.skip("shared CRDS data not found")
    pool = ServerPool(tmp_path_factory.mktemp("client-servers"))
    try:
        yield pool.get("sqlite", "hst")
    finally:
        pool.close()


@pytest.fixture
def crds_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No CRDS_* variables but CRDS_PATH=<tmp>/cache; returns the cache root."""
    for name in list(os.environ):
        if name.startswith("CRDS_"):
            monkeypatch.delenv(name)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    cache = tmp_path / "cache"
    monkeypatch.setenv("CRDS_PATH", str(cache))
    return cache


@pytest.fixture
def online(live_hst: Server, crds_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``crds_env`` pointed at the live HST server; returns the cache root."""
    monkeypatch.setenv("CRDS_SERVER_URL", live_hst.url)
    monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    return crds_env

"""Fixtures for the server acceptance tests: real ``opencrds serve`` subprocesses, one per
(database backend, observatory), started on first use and kept for the session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from server_helpers import (
    BACKENDS,
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    OBSERVATORIES,
    Server,
    ServerPool,
    postgres_available,
)


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # one folder shared by the run's workers
        root = tmp_path_factory.getbasetemp().parent / "opencrds-servers"
        root.mkdir(exist_ok=True)
    else:
        root = tmp_path_factory.mktemp("opencrds-servers")
    pool = ServerPool(root)
    yield pool
    pool.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = postgres_available()
        if reason:
            pytest.skip(reason)
    return request.param


@pytest.fixture(scope="session", params=OBSERVATORIES)
def server(request: pytest.FixtureRequest, backend: str, server_pool: ServerPool) -> Server:
    """A running server for one observatory on one database backend."""
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    return server_pool.get(backend, request.param)


@pytest.fixture(scope="session")
def hst_server(backend: str, server_pool: ServerPool) -> Server:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    return server_pool.get(backend, "hst")



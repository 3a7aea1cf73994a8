"""Fixtures of the server tests.

In-process (most tests): the test databases of pytest-django, SQLite and PostgreSQL, each with
the real shared HST and JWST caches (``manage import_cache`` once per run and backend, copied
into each xdist worker's database: shared_catalog.py);
``server`` / ``hst_server`` reach the server through the Django test client, ``http_server``
through a live HTTP server thread (for the unmodified crds client). Every test runs on each
database ``backend`` and its writes are rolled back after it.

End to end (tests marked ``server``): real ``opencrds serve`` subprocesses (gunicorn) from
``server_pool``, one per (database backend, observatory), started on first use and shared by
the run's xdist workers; a few modules start servers of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from server_helpers import (
    BACKENDS,
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    OBSERVATORIES,
    Server,
    ServerPool,
)

from helpers import postgres_unavailable

#: The name of each backend's test database in tests/django_settings.py.
DATABASE_ALIASES = {"sqlite": "default", "postgresql": "postgresql"}


def _needs_shared_data() -> None:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")


# ---- end to end: opencrds serve subprocesses ------------------------------------------------


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # one folder shared by the run's workers
        root = _shared_folder(tmp_path_factory, "opencrds-servers")
        root.mkdir(exist_ok=True)
    else:
        root = tmp_path_factory.mktemp("opencrds-servers")
    pool = ServerPool(root)
    yield pool
    pool.close()


# ---- in-process ---------------------------------------------------------------------------


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: ``sqlite`` or ``postgresql``."""
    if request.param == "postgresql":
        reason = postgres_unavailable()
        if reason:
            pytest.skip(reason)
    return request.param


def _shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this run, shared by its xdist workers."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.getbasetemp().parent / name
    return tmp_path_factory.getbasetemp() / name


@pytest.fixture(scope="session")
def django_db_setup(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    django_test_environment: None, django_db_modify_db_settings: None,
                    django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    """The test databases the collected tests use (pytest-django's own set-up would make only
    ``default``), migrated, with the shared CRDS cache imported: by the run's first worker to
    need each, the others copy it (shared_catalog.py). The file store is the run's too."""
    from django.test.utils import setup_databases, teardown_databases
    from inprocess import close_database_wrappers
    from shared_catalog import SharedCatalog

    aliases = _aliases_used(request.session.items)
    catalog = SharedCatalog(_shared_folder(tmp_path_factory, "opencrds-catalog"))
    settings.OPENCRDS_STORE = catalog.store
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases=aliases)
        if HAVE_SHARED_DATA:  # odd workers start with another backend: imports in parallel
            worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
            for alias in sorted(aliases, reverse=int(worker.removeprefix("gw") or 0) % 2 == 1):
                catalog.load(alias)
    yield
    with django_db_blocker.unblock():
        close_database_wrappers()
        catalog.release()
        teardown_databases(created, verbosity=0)


def _aliases_used(items: list[pytest.Item]) -> set[str]:
    """``default``, and the PostgreSQL test database if a collected test runs on it."""
    aliases = {"default"}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            aliases.add(DATABASE_ALIASES["postgresql"])
    return aliases & set(settings.DATABASES)


_last_alias: list[str] = []


@pytest.fixture
def database(backend: str, django_db_setup: None) -> Iterator[str]:
    """The test database of ``backend``, as this thread's default one for the test."""
    from inprocess import default_database, forget_server_caches

    alias = DATABASE_ALIASES[backend]
    if alias not in settings.DATABASES:
        pytest.skip(getattr(settings, "POSTGRESQL_SKIP_REASON", None) or f"no {backend} database")
    _needs_shared_data()
    if _last_alias != [alias]:
        forget_server_caches()
        _last_alias[:] = [alias]
    with default_database(alias):
        yield alias


@pytest.fixture
def server_log():  # noqa: ANN201
    """The lines the server logs during the test."""
    from inprocess import LogCapture

    with LogCapture().installed() as capture:
        yield capture


def _in_process(observatory: str, backend: str, settings, server_log) -> Server:  # noqa: ANN001
    from inprocess import InProcessServer

    settings.OPENCRDS_OBSERVATORY = observatory
    return InProcessServer(observatory, backend, server_log)


@pytest.fixture(params=OBSERVATORIES)
def server(request: pytest.FixtureRequest, backend: str, database: str, db: None,
           settings, server_log) -> Iterator[Server]:  # noqa: ANN001
    """The server of one observatory on one database backend, through the test client."""
    served = _in_process(request.param, backend, settings, server_log)
    yield served
    served.stop()


@pytest.fixture
def hst_server(backend: str, database: str, db: None, settings,  # noqa: ANN001
               server_log) -> Iterator[Server]:
    served = _in_process("hst", backend, settings, server_log)
    yield served
    served.stop()


@pytest.fixture(scope="session")
def live_http(django_db_setup: None):  # noqa: ANN201
    """One live HTTP server thread for the session."""
    from inprocess import LiveHttpThread

    thread = LiveHttpThread()
    yield thread
    thread.close()


def _live(observatory: str, backend: str, database: str, live_http, settings,  # noqa: ANN001
          server_log, django_db_blocker) -> Iterator[Server]:  # noqa: ANN001
    from inprocess import LiveServer

    settings.OPENCRDS_OBSERVATORY = observatory
    live_http.alias = database
    served = LiveServer(observatory, backend, live_http, server_log)
    with django_db_blocker.unblock():
        yield served
    served.stop()
    live_http.alias = "default"


@pytest.fixture(params=OBSERVATORIES)
def http_server(request: pytest.FixtureRequest, backend: str, database: str, live_http,
                settings, server_log, django_db_blocker) -> Iterator[Server]:  # noqa: ANN001
    """The server of one observatory on one backend, on a real socket (a thread of this
    process): for clients in other processes. It sees committed data only."""
    yield from _live(request.param, backend, database, live_http, settings, server_log,
                     django_db_blocker)


@pytest.fixture
def hst_http_server(backend: str, database: str, live_http, settings, server_log,  # noqa: ANN001
                    django_db_blocker) -> Iterator[Server]:  # noqa: ANN001
    yield from _live("hst", backend, database, live_http, settings, server_log,
                     django_db_blocker)

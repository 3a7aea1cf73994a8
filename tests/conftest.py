"""Shared test fixtures: the shared CRDS data beside the repository, and the crds oracle.

The shared data is ``<repo root>/../shared/data``, or ``$OPENCRDS_SHARED_DATA``. Tests that need
it (or the real ``crds`` client) are skipped with a reason when it is missing, and are marked
``shared_data`` / ``oracle`` automatically so ``-m "not oracle"`` deselects them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MARKERS = {
    "shared_data": "needs ../shared/data (real CRDS rules and files)",
    "oracle": "compares against the real crds 14.0.3 client",
    "slow": "takes more than a few seconds",
}


def shared_data_dir() -> Path:
    """Where the shared data should be (it may not exist)."""
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; registered here too so they stay known when pytest is
    # run with another configuration file.
    declared = {line.split(":", 1)[0].strip() for line in config.getini("markers")}
    for name, text in MARKERS.items():
        if name not in declared:
            config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "shared_data" in names or "crds_cache" in names:
            item.add_marker(pytest.mark.shared_data)
        if "oracle_env" in names:
            item.add_marker(pytest.mark.oracle)


#: Environment variables that change what the tools do; restored around every test.
TOOL_VARIABLE_PREFIXES = ("CRDS_", "OPENCRDS_")


@pytest.fixture(autouse=True)
def _restore_tool_variables() -> Iterator[None]:
    """Give every test the ``CRDS_*``/``OPENCRDS_*`` variables the session started with.

    Commands run in-process (``main([...])``) set variables for their run, as a user's shell
    would see them; without this a variable one test left behind would reach the next test's
    subprocesses.
    """
    saved = {name: value for name, value in os.environ.items()
             if name.startswith(TOOL_VARIABLE_PREFIXES)}
    yield
    for name in [n for n in os.environ if n.startswith(TOOL_VARIABLE_PREFIXES)]:
        if name not in saved:
            del os.environ[name]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory; skips the test when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set OPENCRDS_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def crds_cache(shared_data: Path) -> Path:
    """The shared CRDS cache (``crds-cache``, holding ``mappings/<obs>/``)."""
    path = shared_data / "crds-cache"
    if not (path / "mappings").is_dir():
        pytest.skip(f"shared CRDS cache not found at {path}")
    return path


@pytest.fixture(scope="session")
def crds_test_data(shared_data: Path) -> Path:
    """The shared CRDS test files (``crds-test-data``: FITS, ASDF and YAML samples)."""
    path = shared_data / "crds-test-data"
    if not path.is_dir():
        pytest.skip(f"shared CRDS test data not found at {path}")
    return path


@pytest.fixture
def oracle_env(crds_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The real ``crds`` client, set up to work offline on the shared cache.

    ``CRDS_READONLY_CACHE=1`` keeps the oracle from writing into the shared data; the server URL
    is never contacted in local mode. crds keeps per-process state (configuration, loaded
    mappings) that other tests may have set up for other caches: the layer-level calls
    (``crds.core.rmap.get_best_references``, ``crds.get_cached_mapping``) are unaffected, but
    ``crds.getrecommendations`` can fail after such tests, so prefer the former.
    """
    for name in [n for n in os.environ if n.startswith("CRDS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(crds_cache))
    monkeypatch.setenv("CRDS_MODE", "local")
    monkeypatch.setenv("CRDS_SERVER_URL", "https://localhost:1")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    crds = pytest.importorskip("crds", reason="the crds oracle client is not installed")
    yield crds

"""Where the benchmarks find the shared CRDS data: ``$OPENCRDS_BENCH_CACHE`` (a cache), else
``$OPENCRDS_SHARED_DATA/crds-cache``, else ``../shared/data/crds-cache`` beside the repository
(the tests' rule, tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """``$OPENCRDS_SHARED_DATA``, else ``<repo>/../shared/data``."""
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def default_cache() -> Path:
    """The CRDS cache the benchmarks read by default."""
    env = os.environ.get("OPENCRDS_BENCH_CACHE")
    return Path(env) if env else shared_data() / "crds-cache"

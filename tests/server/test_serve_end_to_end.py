"""End to end: the unmodified crds 14.0.3 client syncs from and asks best references of the
real ``opencrds serve`` (gunicorn, SQLite, HST).

The same tests run in-process on every database backend and observatory (test_client_sync.py,
test_client_bestrefs.py, against a live server thread); here they run once more against the
server as it is deployed.
"""

from __future__ import annotations

import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, Server, ServerPool
from test_client_bestrefs import test_remote_bestrefs_equal_serverless  # noqa: F401
from test_client_sync import (  # noqa: F401
    test_list_status_reports_our_server,
    test_sync_check_files_verifies_against_the_catalog,
    test_sync_context_fetches_every_mapping_byte_identical,
    test_sync_files_fetches_the_cached_references,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(server_pool: ServerPool) -> Server:
    """``opencrds serve`` of the HST cache on SQLite."""
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    return server_pool.get("sqlite", "hst")

"""The performance target of issue #13: 30 small JWST references from upload to READY well
under 10 s (one certify call for the batch, the context loaded once)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import processing_helpers
import pytest
from processing_helpers import miri_ipc, submit, upload

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

# the fixtures of this module
delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user


def test_thirty_files_are_ready_quickly(delivery_area: Path, make_user: Any, backend: str
                                        ) -> None:
    if backend != "sqlite":
        pytest.skip("timed once, on SQLite")
    user = make_user("speedy")
    sources = [miri_ipc(delivery_area / "made", f"ipc_{i:02d}.fits",
                        useafter=f"2024-01-{i + 1:02d}T00:00:00") for i in range(30)]
    files = upload(delivery_area, *[(s, s.name) for s in sources])
    started = time.perf_counter()
    submission = submit(user, "batch", files)
    seconds = time.perf_counter() - started
    assert submission.status == "ready", submission.result["errors"][:3]
    assert len(submission.result["files"]) == 30
    [diff] = [d for d in submission.result["diffs"] if d["new"].endswith(".rmap")]
    assert len(diff["actions"]) == 30
    print(f"30 files: {seconds:.2f} s")
    assert seconds < 10, f"30 files took {seconds:.1f} s"

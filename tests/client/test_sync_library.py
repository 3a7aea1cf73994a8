"""``opencrds.client.sync`` as a library: options, errors, and settings that stay in the run
(no server needed; the command and a live server are covered by test_sync_options.py)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from opencrds.cache.paths import branch_dir, cache_overrides, carrying_overrides, readonly
from opencrds.client.selection import ContextSelection
from opencrds.client.sync import SyncOptions, SyncRequestError, sync


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("CRDS_PATH", str(root))
    for name in [n for n in os.environ if n.startswith("CRDS_") and n != "CRDS_PATH"]:
        monkeypatch.delenv(name)
    return root


def crds_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("CRDS_")}


def test_nothing_named_is_a_request_error(cache: Path) -> None:
    with pytest.raises(SyncRequestError, match="Define --all, --contexts"):
        sync(SyncOptions(observatory="hst"))
    with pytest.raises(SyncRequestError, match="Specify --contexts"):
        sync(SyncOptions(observatory="hst", dataset_ids=("j8bt05njq",)))


def test_organize_alone_is_not_a_sync(cache: Path) -> None:
    (cache / "references" / "hst").mkdir(parents=True)
    report = sync(SyncOptions(observatory="hst", organize="flat"))
    assert not report.synced and report.errors == 0


def test_output_dir_and_readonly_apply_to_the_run_only(cache: Path, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    before = crds_environment()
    out = tmp_path / "out"
    out.mkdir()
    options = SyncOptions(observatory="hst", output_dir=out, readonly=True, clear_locks=True)
    assert options.overrides() == {"CRDS_READONLY_CACHE": "1",
                                   **{f"CRDS_{tag}PATH_SINGLE": str(out.resolve())
                                      for tag in ("MAP", "REF", "CFG", "PICKLE")}}
    with caplog.at_level(logging.INFO, logger="opencrds"):
        report = sync(options)
    assert not report.synced
    assert f"Scanning {out.resolve()} for stale file locks..." in caplog.messages
    assert crds_environment() == before
    assert not readonly()


def test_checking_follows_repair_and_purge() -> None:
    assert not SyncOptions(observatory="hst").checking
    for flag in ("check_files", "repair_files", "purge_rejected", "purge_blacklisted"):
        assert SyncOptions(observatory="hst", **{flag: True}).checking
    assert ContextSelection(contexts=()).names_contexts
    assert not ContextSelection().names_contexts


def test_overrides_reach_worker_threads_that_carry_them(cache: Path, tmp_path: Path) -> None:
    single = tmp_path / "single"
    with cache_overrides({"CRDS_MAPPATH_SINGLE": str(single)}):
        assert branch_dir("mappings", "hst") == single
        with ThreadPoolExecutor(2) as pool:
            carried = list(pool.map(carrying_overrides(branch_dir), ["mappings"], ["hst"]))
    assert carried == [single]
    assert branch_dir("mappings", "hst") == cache / "mappings" / "hst"

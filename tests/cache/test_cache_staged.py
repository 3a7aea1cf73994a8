"""Staged writes: verified temp files renamed in a batch after one sync (bundled downloads)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from opencrds.cache import storage

DATA = b"0123456789" * 100


def test_stage_then_commit(tmp_path: Path) -> None:
    targets = [tmp_path / f"f{i}.fits" for i in range(3)]
    staged = [storage.stage_verified(t, [DATA[:7], DATA[7:]], len(DATA),
                                     hashlib.sha1(DATA).hexdigest(), durable=False)
              for t in targets]
    assert not any(t.exists() for t in targets)  # nothing under the real name before commit
    assert all(s.temp.exists() and s.size == len(DATA) for s in staged)
    storage.commit(staged)
    assert all(t.read_bytes() == DATA for t in targets)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0.fits", "f1.fits", "f2.fits"]


def test_stage_mismatch_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(storage.CrdsDownloadError, match="sha1sum"):
        storage.stage_verified(tmp_path / "a.fits", [DATA], len(DATA), "0" * 40, durable=False)
    assert list(tmp_path.iterdir()) == []


def test_commit_nothing() -> None:
    storage.commit([])

"""``CRDS_AUTO_PICKLE_CONTEXTS`` writes a context pickle after loading; with
``CRDS_USE_PICKLED_CONTEXTS`` ``load_context`` reads it instead of the mapping files."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from opencrds import load_context

CONTEXT = "jwst_0541.pmap"
HEADER = {"META.INSTRUMENT.NAME": "NIRCAM", "META.INSTRUMENT.DETECTOR": "NRCA1",
          "META.SUBARRAY.NAME": "FULL", "META.EXPOSURE.TYPE": "NRC_IMAGE",
          "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00"}


@pytest.fixture
def cache(crds_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache whose mappings are read from the shared cache."""
    for name in list(os.environ):
        if name.startswith("CRDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(tmp_path / "cache"))
    monkeypatch.setenv("CRDS_MAPPATH", str(crds_cache / "mappings"))
    return tmp_path / "cache"


def pickle_file(cache: Path) -> Path:
    return cache / "pickles" / "jwst" / f"{CONTEXT}.opencrds.pkl"


def test_auto_pickle_then_load_from_pickle(cache: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_AUTO_PICKLE_CONTEXTS", "1")
    expected = load_context(CONTEXT).get_best_references(HEADER)
    assert pickle_file(cache).is_file()

    # the mapping files are gone: only the pickle can give the context now
    empty = tmp_path / "no-mappings"
    empty.mkdir()
    monkeypatch.setenv("CRDS_MAPPATH", str(empty))
    monkeypatch.delenv("CRDS_AUTO_PICKLE_CONTEXTS")
    monkeypatch.setenv("CRDS_USE_PICKLED_CONTEXTS", "1")
    context = load_context(CONTEXT)
    assert context.basename == CONTEXT
    assert context.get_best_references(HEADER) == expected


def test_without_the_variable_no_pickle_is_written(cache: Path) -> None:
    load_context(CONTEXT)
    assert not pickle_file(cache).exists()


def test_bad_pickle_falls_back_to_the_mappings(cache: Path, crds_cache: Path,
                                               caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pickle_file(cache).parent.mkdir(parents=True)
    pickle_file(cache).write_bytes(b"not a pickle")
    monkeypatch.setenv("CRDS_USE_PICKLED_CONTEXTS", "1")
    with caplog.at_level(logging.WARNING, logger="opencrds"):
        context = load_context(CONTEXT)
    assert context.basename == CONTEXT
    assert any(str(pickle_file(cache)) in r.getMessage() and "instead" in r.getMessage()
               for r in caplog.records)


def test_readonly_cache_writes_no_pickle(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRDS_AUTO_PICKLE_CONTEXTS", "1")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    load_context(CONTEXT)
    assert not pickle_file(cache).exists()

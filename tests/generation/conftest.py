"""Fixtures of the generation tests: the real caches' mappings and reference files copied to
a temporary directory under their official names."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def read_mapping(crds_cache: Path) -> Callable[[str], str]:
    """``read_mapping(name)``: the text of a mapping of the shared cache."""
    def read(name: str) -> str:
        observatory = name.split("_", 1)[0].split(".", 1)[0]
        return (crds_cache / "mappings" / observatory / name).read_text(encoding="utf-8")
    return read


@pytest.fixture(scope="module")
def cached_names(crds_cache: Path) -> Callable[[str], list[str]]:
    """The mapping names of an observatory in the shared cache."""
    return lambda observatory: sorted(p.name for p in (crds_cache / "mappings" / observatory)
                                      .iterdir())


@pytest.fixture
def copy_as(tmp_path: Path, crds_test_data: Path) -> Callable[[str, str], Path]:
    """``copy_as("jwst/x.fits", "official.fits")``: a test file copied under a new name."""
    def copy(source: str, name: str) -> Path:
        target = tmp_path / name
        shutil.copy(crds_test_data / source, target)
        return target
    return copy

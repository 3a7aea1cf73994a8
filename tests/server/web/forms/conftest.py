"""Fixtures of the web form tests: the submission tests' delivery area (a private file store,
staging, catalogs and upload folders on the real JWST catalog) and users made through the
account services, on SQLite only (the pages' queries are plain ORM)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "submissions"))

import processing_helpers  # noqa: E402

delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"

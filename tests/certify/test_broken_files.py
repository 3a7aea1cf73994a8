"""Deliberately broken test files are caught with a message naming the problem, and one bad
file does not stop the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.certify import CertifyOptions, certify_files
from opencrds.tools.main import main

TEST_DATA = Path("/work/shared/data/crds-test-data")
DEFINITIONS = Path("/work/shared/data/observatory-definitions")
CACHE = Path("/work/shared/data/crds-cache")

pytestmark = pytest.mark.skipif(
    not (TEST_DATA.is_dir() and DEFINITIONS.is_dir() and CACHE.is_dir()),
    reason="shared CRDS test data not available")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENCRDS_DEFINITIONS_PATH", str(DEFINITIONS))
    monkeypatch.setenv("CRDS_PATH", str(CACHE))
    certify_log = logging.getLogger("opencrds.certify")
    saved = certify_log.level
    certify_log.setLevel(logging.CRITICAL)
    yield  # restored so later tests (other modules in this worker) still see its messages
    certify_log.setLevel(saved)


BROKEN = [
    ("hst/hst-bad-xsum.rmap", "WARNING", "sha1sum mismatch"),
    ("hst/hst-missing-xsum.rmap", "WARNING", "sha1sum is missing"),
    ("hst/hst_cos_tdstab_duplicate.rmap", "ERROR", "Duplicate entry"),
    ("roman/roman_wfi_flat_0004_duplicate.rmap", "ERROR", "Duplicate entry"),
    ("hst/hst_acs_darkfile_invalid1.rmap", "ERROR", "value='DDDD' is not in"),
    ("hst/xaf1429el_wcp.fits", "ERROR", "Missing required keyword 'LIFE_ADJ'"),
    ("jwst/invalid.json", "ERROR", "JSON wouldn't load"),
    ("hst/truncated.fits", "WARNING", "truncated"),
    ("hst/hst_synphot_failing_obs.fits", "ERROR", "Unknown reference type 'obsmodes'"),
    ("hst/bestrefs.special.json", "ERROR", "Can't determine instrument"),
]


@pytest.mark.parametrize(("key", "level", "text"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_caught(key: str, level: str, text: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = TEST_DATA / key
    monkeypatch.chdir(path.parent)
    result = certify_files([path.name], CertifyOptions(observatory=key.split("/")[0]))
    messages = [msg for f in result.files for lvl, msg in f.messages if lvl == level]
    assert any(text in msg for msg in messages), messages


def test_run_goes_on_after_bad_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA / "jwst")
    names = ["invalid.json", "missing-file.fits", "valid.json"]
    result = certify_files(names, CertifyOptions(observatory="jwst"))
    assert [f.name for f in result.files] == [f"./{n}" for n in names]
    assert [f.errors for f in result.files][:2] == [1, 1]


def test_command_exit_status_is_error_count(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(TEST_DATA / "jwst")
    logging.getLogger("opencrds.certify").setLevel(logging.NOTSET)
    assert main(["certify", "--jwst", "invalid.json", "missing-file.fits"]) == 2
    err = capsys.readouterr().err
    assert "CRDS - INFO -  2 errors" in err
    assert "Certifying './invalid.json' (1/2) as 'JSON'" in err


def test_command_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["certify", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--comparison-context", "--deep", "--exist", "--dont-recurse-mappings",
                   "--dont-parse", "--comparison-reference"):
        assert option in out

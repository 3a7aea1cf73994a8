"""Deliberately broken test files are caught with a message naming the problem, and one bad
file does not stop the run."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.certify import CertifyOptions, certify_files
from opencrds.tools.main import main


@pytest.fixture(autouse=True)
def _environment(crds_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A user's offline environment: no definitions path (the shipped definitions apply)."""
    for name in [n for n in os.environ if n.startswith(("CRDS_", "OPENCRDS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRDS_PATH", str(crds_cache))
    monkeypatch.setenv("CRDS_MODE", "local")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
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
def test_broken_file_is_caught(key: str, level: str, text: str, crds_test_data: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = crds_test_data / key
    monkeypatch.chdir(path.parent)
    result = certify_files([path.name], CertifyOptions(observatory=key.split("/")[0]))
    messages = [msg for f in result.files for lvl, msg in f.messages if lvl == level]
    assert any(text in msg for msg in messages), messages


def test_run_goes_on_after_bad_files(crds_test_data: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(crds_test_data / "jwst")
    names = ["invalid.json", "missing-file.fits", "valid.json"]
    result = certify_files(names, CertifyOptions(observatory="jwst"))
    assert [f.name for f in result.files] == [f"./{n}" for n in names]
    assert [f.errors for f in result.files][:2] == [1, 1]


def test_command_exit_status_is_error_count(crds_test_data: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(crds_test_data / "jwst")
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


# ---- issue #11: no silent pass without OPENCRDS_DEFINITIONS_PATH; the observatory is worked
# ---- out from the context, CRDS_OBSERVATORY and the file --------------------------------


def _certify(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    logging.getLogger("opencrds.certify").setLevel(logging.NOTSET)
    capsys.readouterr()
    status = main(["certify", *args])
    return status, capsys.readouterr().err


SHIPPED_CATCHES = [
    ("jwst/niriss_ref_photom_bad.fits", "jwst_0541.pmap",
     "Checking 'META.INSTRUMENT.DETECTOR [DETECTOR]' : Value 'FOO' is not one of "
     "['ANY', 'N/A', 'NIS']"),
    ("jwst/jwst_miri_ipc.bad-value.fits", "jwst_0541.pmap",
     "Value 'FOO' is not one of ['ANY', 'MIRIFULONG', 'MIRIFUSHORT', 'MIRIMAGE', 'N/A']"),
    ("roman/roman_wfi16_f158_flat_badtype.asdf", "roman_0007.pmap",
     "Can't identify ROMAN.META.REFTYPE of 'roman_wfi16_f158_flat_badtype.asdf'"),
]


@pytest.mark.parametrize(("key", "context", "text"), SHIPPED_CATCHES,
                         ids=[c[0] for c in SHIPPED_CATCHES])
def test_shipped_definitions_catch_broken_files(key: str, context: str, text: str,
                                                crds_test_data: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """No definitions path set: the definitions shipped with opencrds are used."""
    monkeypatch.chdir((crds_test_data / key).parent)
    monkeypatch.setenv("CRDS_OBSERVATORY", key.split("/")[0])
    status, err = _certify([Path(key).name, "--comparison-context", context], capsys)
    assert status >= 1 and text in err, err


@pytest.mark.parametrize("how", ["CRDS_OBSERVATORY", "--comparison-context", "file"])
def test_observatory_worked_out_like_crds(how: str, crds_test_data: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """An HST reference is certified against HST without --hst (it used to be JWST)."""
    monkeypatch.chdir(crds_test_data / "hst")
    args = ["s7g1700gl_dead.fits"]
    if how == "CRDS_OBSERVATORY":
        monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    elif how == "--comparison-context":
        args += ["--comparison-context", "hst_0729.pmap"]
    status, err = _certify(args, capsys)
    assert "relative to context 'hst_" in err, err
    assert status == 0 and "ERROR" not in err, err


def test_context_wins_over_crds_observatory(crds_test_data: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """As in crds: the comparison context's observatory, then CRDS_OBSERVATORY."""
    monkeypatch.chdir(crds_test_data / "hst")
    monkeypatch.setenv("CRDS_OBSERVATORY", "hst")
    status, err = _certify(["s7g1700gl_dead.fits", "--comparison-context", "jwst_0541.pmap"],
                           capsys)
    assert status == 1 and "Invalid instrument 'cos'" in err, err


def test_mission_without_definitions_is_an_error(crds_test_data: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(crds_test_data / "hst")
    result = certify_files(["s7g1700gl_dead.fits"], CertifyOptions(observatory="nosuch"))
    errors = [msg for f in result.files for lvl, msg in f.messages if lvl == "ERROR"]
    assert any("No observatory definitions for 'nosuch'" in msg for msg in errors), errors


@pytest.mark.oracle
@pytest.mark.parametrize("key", ["jwst/niriss_ref_photom_bad.fits",
                                 "jwst/jwst_miri_ipc.bad-value.fits"])
def test_detector_values_are_the_instruments(key: str, crds_test_data: Path, oracle_env: object,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The allowed detectors named by the error are the instrument's, as crds lists them."""
    folder = (crds_test_data / key).parent
    crds = Path(sys.executable).parent / "crds"
    env = dict(os.environ, CRDS_OBSERVATORY="jwst")
    done = subprocess.run([str(crds), "certify", Path(key).name, "--comparison-context",
                           "jwst_0541.pmap"], cwd=folder, env=env, capture_output=True,
                          text=True, check=False)
    pattern = r"Checking 'META.INSTRUMENT.DETECTOR[^']*' : Value 'FOO' is not one of \[[^]]*\]"
    theirs = re.search(pattern, done.stderr)
    assert theirs, done.stderr
    monkeypatch.chdir(folder)
    monkeypatch.setenv("CRDS_OBSERVATORY", "jwst")
    _, err = _certify([Path(key).name, "--comparison-context", "jwst_0541.pmap"], capsys)
    ours = re.search(pattern, err)
    assert ours, err
    assert ours.group(0).split(" : ", 1)[1] == theirs.group(0).split(" : ", 1)[1]

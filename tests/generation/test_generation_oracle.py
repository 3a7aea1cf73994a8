"""generation.rules.insert_references against the real ``crds refactor insert`` (black box):
the whole new rmap text, for JWST pattern keywords, HST substitutions, parameter relevance,
extra keys, or-globs in a new row and joining an existing row written in another order."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import user_environment
from opencrds.generation import Addition, hst_unique_name, insert_references
from opencrds.rules.edit import derived_text

CRDS = Path(sys.executable).parent / "crds"
pytestmark = [pytest.mark.oracle,
              pytest.mark.skipif(not CRDS.exists(), reason="crds oracle not installed")]


def crds_insert(cache: Path, folder: Path, rmap: str, references: list[str]) -> str:
    """The rmap ``crds refactor insert`` writes (offline, on the read-only shared cache)."""
    observatory = rmap.split("_", 1)[0]
    shutil.copy(cache / "mappings" / observatory / rmap, folder / rmap)
    env = {**user_environment(), "CRDS_PATH": str(cache), "CRDS_MODE": "local",
           "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
    done = subprocess.run([str(CRDS), "refactor", "insert", rmap, "crds_new.rmap", *references],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return (folder / "crds_new.rmap").read_text()


def ours(cache: Path, folder: Path, rmap: str, references: list[str]) -> str:
    observatory = rmap.split("_", 1)[0]
    text = (cache / "mappings" / observatory / rmap).read_text()
    edit = insert_references(text, rmap, [Addition(r, str(folder / r)) for r in references])
    assert edit.errors == []
    assert len(edit.actions) == len(references)
    return derived_text(edit.parsed, rmap)


def crafted(path: Path, cards: dict[str, Any]) -> None:
    """A small FITS reference with primary header ``cards``."""
    import numpy as np
    from astropy.io import fits

    header = fits.Header()
    for key, value in cards.items():
        header[key] = value
    fits.PrimaryHDU(data=np.zeros((2, 3), dtype=np.int8), header=header).writeto(path)


def test_jwst_pattern_keywords_like_crds(crds_cache: Path, crds_test_data: Path,
                                        tmp_path: Path) -> None:
    """P_DETECT = 'MIRIFUSHORT|MIRIFULONG|' makes a new sorted 'MIRIFULONG|MIRIFUSHORT' row
    (DETECTOR = MIRIMAGE is not used)."""
    shutil.copy(crds_test_data / "jwst" / "jwst_miri_ipc_0003.add.fits",
                tmp_path / "jwst_miri_ipc_0010.fits")
    args = (crds_cache, tmp_path, "jwst_miri_ipc_0005.rmap", ["jwst_miri_ipc_0010.fits"])
    expected = crds_insert(*args)
    assert ours(*args) == expected
    assert "    'MIRIFULONG|MIRIFUSHORT' : UseAfter({\n" in expected


def test_hst_real_references_like_crds(crds_cache: Path, crds_test_data: Path,
                                       tmp_path: Path) -> None:
    """Two real HST references under unique names: one replaces its namesake, one is added."""
    taken: set[str] = set()
    when = datetime.datetime(2026, 12, 7, 9, 0, 0)
    dead = hst_unique_name(when, "cos", "dead", ".fits", taken)
    shutil.copy(crds_test_data / "hst" / "s7g1700gl_dead.fits", tmp_path / dead)
    args = (crds_cache, tmp_path, "hst_cos_deadtab_0250.rmap", [dead])
    expected = crds_insert(*args)
    assert ours(*args) == expected and dead in expected
    assert "s7g1700gl_dead.fits" not in expected  # replaced
    bpx = hst_unique_name(when, "acs", "bpx", ".fits", taken)
    shutil.copy(crds_test_data / "hst" / "j4d1435jj_bpx.fits", tmp_path / bpx)
    args = (crds_cache, tmp_path, "hst_acs_bpixtab_0252.rmap", [bpx])
    assert ours(*args) == crds_insert(*args)


WFC3_DARK = {"INSTRUME": "WFC3", "DETECTOR": "UVIS", "BINAXIS1": 1, "BINAXIS2": 1,
             "CCDGAIN": 1.5, "SAMP_SEQ": "N/A", "SUBTYPE": "N/A", "FILETYPE": "DARK",
             "USEAFTER": "Jan 01 2030 00:00:00"}
ACS_BIAS = {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDGAIN": 2, "LTV1": 24, "LTV2": 0,
            "FILETYPE": "BIAS"}


@pytest.mark.parametrize("rmap,cards", [
    # substitution CCDAMP=ANY joins the existing 'A|ABCD|AC|...' row (written with 1, not 1.0)
    ("hst_wfc3_darkfile_0390.rmap", {**WFC3_DARK, "CCDAMP": "ANY"}),
    # an or-glob of the file is sorted in a new row
    ("hst_wfc3_darkfile_0390.rmap", {**WFC3_DARK, "CCDAMP": "C|A", "BINAXIS1": 3,
                                     "BINAXIS2": 3}),
    # date-dependent APERTURE substitution, sorted in a new row; extra_keys are N/A
    ("hst_acs_biasfile_0345.rmap", {**ACS_BIAS, "CCDAMP": "A", "APERTURE": "ANY_FULL",
                                    "XCORNER": 0, "YCORNER": 0, "CCDCHIP": 1,
                                    "USEAFTER": "Jan 01 2030 00:00:00"}),
    # the same alternatives before 2016 join the row that writes them unsorted
    ("hst_acs_biasfile_0345.rmap", {**ACS_BIAS, "CCDAMP": "ABCDALL", "APERTURE": "ANY_FULL",
                                    "USEAFTER": "Jan 01 2010 00:00:00"}),
    # a missing parameter is UNDEFINED
    ("hst_acs_biasfile_0345.rmap", {**{k: v for k, v in ACS_BIAS.items() if k != "LTV2"},
                                    "CCDAMP": "B", "APERTURE": "WFC1",
                                    "USEAFTER": "Jan 01 2030 00:00:00"}),
])
def test_hst_substitutions_and_globs_like_crds(crds_cache: Path, tmp_path: Path, rmap: str,
                                               cards: dict[str, Any]) -> None:
    suffix = "drk" if "dark" in rmap else "bia"
    crafted(tmp_path / f"new_{suffix}.fits", cards)
    args = (crds_cache, tmp_path, rmap, [f"new_{suffix}.fits"])
    assert ours(*args) == crds_insert(*args)


def test_several_references_at_once_like_crds(crds_cache: Path, tmp_path: Path) -> None:
    crafted(tmp_path / "a_drk.fits", {**WFC3_DARK, "CCDAMP": "ANY"})
    crafted(tmp_path / "b_drk.fits", {**WFC3_DARK, "CCDAMP": "B|A"})
    crafted(tmp_path / "c_drk.fits", {**WFC3_DARK, "CCDAMP": "A|B",
                                      "USEAFTER": "Jan 01 2031 00:00:00"})
    args = (crds_cache, tmp_path, "hst_wfc3_darkfile_0390.rmap",
            ["a_drk.fits", "b_drk.fits", "c_drk.fits"])
    assert ours(*args) == crds_insert(*args)


@pytest.mark.parametrize("source,name,rmap", [
    ("jwst_nircam_specwcs_0011.asdf", "jwst_nircam_specwcs_0100.asdf",
     "jwst_nircam_specwcs_0008.rmap"),
    ("jwst_miri_distortion_0022.asdf", "jwst_miri_distortion_0100.asdf",
     "jwst_miri_distortion_0029.rmap"),
    ("niriss_ref_photom.fits", "jwst_niriss_photom_0100.fits", "jwst_niriss_photom_0021.rmap"),
])
def test_jwst_real_references_like_crds(crds_cache: Path, crds_test_data: Path,
                                        tmp_path: Path, source: str, name: str,
                                        rmap: str) -> None:
    """Real JWST ASDF and FITS references (data-model keywords of the tree or the header)."""
    shutil.copy(crds_test_data / "jwst" / source, tmp_path / name)
    args = (crds_cache, tmp_path, rmap, [name])
    assert ours(*args) == crds_insert(*args)


NIRCAM_FLAT = {"TELESCOP": "JWST", "INSTRUME": "NIRCAM", "REFTYPE": "FLAT", "DETECTOR": "NRCA1",
               "FILTER": "F070W", "PUPIL": "CLEAR", "USEAFTER": "2030-01-01T00:00:00"}


def test_jwst_patterns_join_or_add_rows_like_crds(crds_cache: Path, tmp_path: Path) -> None:
    """P_PUPIL = 'WLM8|CLEAR|WLP8|' joins the row written 'CLEAR|WLP8|WLM8'; P_DETECT makes a
    new sorted 'NRCA1|NRCB1' row; both in one insertion."""
    crafted(tmp_path / "jwst_nircam_flat_9001.fits", {**NIRCAM_FLAT, "P_PUPIL": "WLM8|CLEAR|WLP8|"})
    crafted(tmp_path / "jwst_nircam_flat_9002.fits", {**NIRCAM_FLAT, "P_DETECT": "NRCB1|NRCA1|",
                                                      "P_PUPIL": "CLEAR|"})
    args = (crds_cache, tmp_path, "jwst_nircam_flat_0014.rmap",
            ["jwst_nircam_flat_9001.fits", "jwst_nircam_flat_9002.fits"])
    expected = crds_insert(*args)
    assert ours(*args) == expected
    assert "    ('NRCA1|NRCB1', 'F070W', 'CLEAR') : UseAfter({\n" in expected

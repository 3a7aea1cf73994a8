"""Datasets ``opencrds bestrefs`` cannot process are reported word for word as ``crds bestrefs``
reports them: a header naming no instrument, an instrument the context does not know (with the
header as crds shows it), and lookups that fail with ``--types``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_bestrefs_support import assert_same_run, run_crds, run_opencrds

pytestmark = pytest.mark.slow

#: Files whose instrument hst_0729 does not know (HST synphot tables, JWST files of every
#: format) or that name none, in the order both tools process them.
FILES = ["hst/16n1832tm_tmc.fits", "hst/hst_synphot_new_syn.fits", "hst/j8btyyy_raw_bad.fits",
         "jwst/niriss_ref_photom.fits", "jwst/valid.json", "jwst/valid.yaml",
         "opaque_jw.fits", "test-source.fits"]


@pytest.fixture
def parameters(tmp_path: Path) -> Path:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({
        "A1": {"META.INSTRUMENT.NAME": "NIRCAM", "x": 1},
        "A2": {"INSTRUME": "NIRCAM", "DETECTOR": "NRCA1", "n": 3, "f": 1.5, "b": True,
               "z": None},
        "A3": {"INSTRUMENT": "NIRCAM"},
        "A4": {"instrume": "wfpc"},
        "A5": {"DATE-OBS": "1991-01-01", "TIME-OBS": "00:00:00"},
        "A6": {"INSTRUME": "ACS", "DETECTOR": "WFC"},
    }))
    return path


@pytest.mark.parametrize("options", [[], ["-t", "biasfile", "darkfile"]])
def test_files_that_cannot_be_processed(oracle_env, crds_cache: Path, crds_test_data: Path,
                                        options: list[str]) -> None:
    args = ["--files", *FILES, "--new-context", "hst_0729.pmap", *options]
    ours = run_opencrds(crds_cache, *args, cwd=crds_test_data)
    assert_same_run(ours, run_crds(crds_cache, *args, cwd=crds_test_data))
    if not options:  # the types come from the instrument, which hst_0729 does not know
        assert "Failed determining reference types for 'hst/j8btyyy_raw_bad.fits'" in ours.stderr


@pytest.mark.parametrize("options", [[], ["-t", "biasfile"], ["-k", "biasfile"],
                                     ["-o", "hst_0500.pmap"]])
def test_parameters_that_cannot_be_processed(oracle_env, crds_cache: Path, parameters: Path,
                                             options: list[str]) -> None:
    args = ["--load-pickles", parameters, "--new-context", "hst_0729.pmap", *options]
    ours = run_opencrds(crds_cache, *args)
    assert_same_run(ours, run_crds(crds_cache, *args))
    assert "'No instrument keyword defined in header.'" in ours.stderr

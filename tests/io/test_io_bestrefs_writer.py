"""Writing best references into HST FITS primary headers (no shared data)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

import opencrds.io.bestrefs_writer as writer
from opencrds.io import (
    BestrefsWriteError,
    HeaderError,
    iraf_prefix,
    reference_value,
    write_bestrefs,
)


def dataset(path: Path, instrument: str = "ACS", **cards: str) -> Path:
    primary = fits.PrimaryHDU()
    primary.header["INSTRUME"] = instrument
    primary.header["BIASFILE"] = ("jref$old_bia.fits", "bias image file name")
    for key, value in cards.items():
        primary.header[key] = value
    primary.header.add_history("last card is history")
    science = fits.ImageHDU(np.arange(12, dtype=">i2").reshape(3, 4), name="SCI")
    fits.HDUList([primary, science]).writeto(path)
    return path


@pytest.mark.parametrize(("instrument", "prefix"), [
    ("acs", "jref"), ("ACS", "jref"), ("cos", "lref"), ("nicmos", "nref"), ("stis", "oref"),
    ("synphot", "ttab"), ("wfc3", "iref"), ("wfpc2", "uref"), ("WFII", "uref"), ("miri", None),
])
def test_prefix_table(instrument, prefix):
    assert iraf_prefix(instrument) == prefix


@pytest.mark.parametrize(("reference", "instrument", "value"), [
    ("M4R1753RJ_BIA.FITS", "acs", "jref$m4r1753rj_bia.fits"),
    ("jref$m4r1753rj_bia.fits", "acs", "jref$m4r1753rj_bia.fits"),
    ("crds://x_drk.fits", "wfc3", "iref$x_drk.fits"),
    ("n/a", "acs", "N/A"),
    ("NOT FOUND n/a", "acs", "N/A"),
    ("x.fits", "nosuch", "x.fits"),
    ("x.fits", None, "x.fits"),
])
def test_reference_value(reference, instrument, value):
    assert reference_value(reference, instrument) == value


def test_write_updates_primary_header_only(tmp_path: Path):
    path = dataset(tmp_path / "d_raw.fits")
    before = path.read_bytes()
    written = write_bestrefs(path, {"darkfile": "N3O1059HJ_DRK.FITS", "biasfile": "new_bia.fits",
                                    "atodtab": "N/A"},
                             context="hst_0729.pmap", crds_version="opencrds 0.1.0")
    assert list(written) == ["CRDS_CTX", "CRDS_VER", "ATODTAB", "BIASFILE", "DARKFILE"]
    with fits.open(path) as hdus:
        header = hdus[0].header
        assert header["BIASFILE"] == "jref$new_bia.fits"
        assert header.comments["BIASFILE"] == "bias image file name"
        assert header["DARKFILE"] == "jref$n3o1059hj_drk.fits"
        assert header["ATODTAB"] == "N/A"
        assert header["CRDS_CTX"] == "hst_0729.pmap"
        assert header["CRDS_VER"] == "opencrds 0.1.0"
        keys = list(header.keys())
        assert keys.index("CRDS_CTX") < keys.index("ATODTAB") < keys.index("DARKFILE")
        assert keys[-1] == "HISTORY"  # new cards go before trailing commentary, as astropy does
        assert np.array_equal(hdus["SCI"].data, np.arange(12).reshape(3, 4))
    after = path.read_bytes()
    assert after[2880:] == before[2880:]  # the header still fits its block: data untouched


def test_header_growing_past_a_block(tmp_path: Path):
    cards = {f"K{i:06d}": "v" for i in range(28)}
    path = dataset(tmp_path / "full.fits", **cards)
    before = path.read_bytes()
    write_bestrefs(path, {f"type{i}": f"r{i}.fits" for i in range(20)})
    after = path.read_bytes()
    assert len(after) == len(before) + 2880
    assert after[-2880:] == before[-2880:]
    with fits.open(path) as hdus:
        assert hdus[0].header["TYPE19"] == "jref$r19.fits"
        assert hdus[1].data.sum() == 66


def test_failure_leaves_the_dataset_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = dataset(tmp_path / "d.fits")
    before = path.read_bytes()

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(writer.os, "replace", broken_replace)
    with pytest.raises(BestrefsWriteError) as info:
        write_bestrefs(path, {"biasfile": "x.fits"})
    assert str(info.value) == f"cannot write best references into '{path}': disk full"
    assert isinstance(info.value, HeaderError)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["d.fits"]


def test_errors(tmp_path: Path, text_file):
    with pytest.raises(BestrefsWriteError, match="no such file"):
        write_bestrefs(tmp_path / "none.fits", {})
    not_fits = text_file("t.fits", "hello")
    with pytest.raises(BestrefsWriteError, match="cannot read its FITS primary header"):
        write_bestrefs(not_fits, {"biasfile": "x.fits"})
    assert not_fits.read_text() == "hello"


def test_read_only_dataset(tmp_path: Path):
    read_only = dataset(tmp_path / "ro.fits")
    read_only.chmod(0o444)
    if os.access(read_only, os.W_OK):
        pytest.skip("running as a user who may write read-only files")
    with pytest.raises(BestrefsWriteError, match="not writable"):
        write_bestrefs(read_only, {"biasfile": "x.fits"})


def test_permissions_kept(tmp_path: Path):
    path = dataset(tmp_path / "p.fits")
    path.chmod(0o640)
    write_bestrefs(path, {"biasfile": "x.fits"})
    assert path.stat().st_mode & 0o777 == 0o640

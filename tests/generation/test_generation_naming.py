"""generation.naming: official names, HST unique names, what a reference is."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from opencrds.generation import (
    GenerationError,
    hst_unique_name,
    identify_reference,
    official_reference_name,
    reference_family,
)
from opencrds.generation.naming import hst_suffix, keeps_uploaded_name
from opencrds.rules.naming import NEW_CDBS_NAME_RE, properties_from_reference_name

WHEN = datetime.datetime(2017, 6, 1, 12, 34, 56)


def test_official_names() -> None:
    assert reference_family("jwst", "MIRI", "dark") == "jwst_miri_dark"
    assert official_reference_name("jwst", "miri", "dark", 96, ".fits") == \
        "jwst_miri_dark_0096.fits"
    assert official_reference_name("roman", "wfi", "dark", 1, "asdf") == \
        "roman_wfi_dark_0001.asdf"
    assert official_reference_name("jwst", "nircam", "dark", 12345, ".FITS") == \
        "jwst_nircam_dark_12345.fits"
    parts = properties_from_reference_name(
        official_reference_name("jwst", "nirspec", "pars-spec2pipeline", 7, ".asdf"))
    assert (parts.instrument, parts.filekind, parts.serial) == \
        ("nirspec", "pars-spec2pipeline", 7)
    with pytest.raises(GenerationError):
        official_reference_name("jwst", "", "dark", 1, ".fits")
    with pytest.raises(GenerationError):
        official_reference_name("jwst", "miri", "dark", -1, ".fits")


def test_hst_unique_names() -> None:
    assert hst_unique_name(WHEN, "acs", "drk", ".fits") == "1611234sj_drk.fits"
    assert hst_unique_name(WHEN, "WFC3", "bia", "fits") == "1611234si_bia.fits"
    assert hst_unique_name(WHEN, "hst", "tmc", ".fits") == "1611234sm_tmc.fits"
    assert hst_unique_name(WHEN, "wfc3", "f098m_002_th", ".fits").endswith("m_f098m_002_th.fits")
    taken: set[str] = set()
    names = [hst_unique_name(WHEN, "cos", "dead", ".fits", taken) for _ in range(3)]
    assert len(set(names)) == 3 and taken == set(names)  # same second, still unique
    assert names[1] == hst_unique_name(WHEN + datetime.timedelta(seconds=2), "cos", "dead",
                                       ".fits")
    assert all(NEW_CDBS_NAME_RE.fullmatch(n) for n in names)
    with pytest.raises(GenerationError, match="no HST file-name letter"):
        hst_unique_name(WHEN, "miri", "drk", ".fits")
    assert hst_suffix("dir/s7g1700gl_dead.fits") == ("dead", ".fits")
    with pytest.raises(GenerationError, match="no _suffix"):
        hst_suffix("nosuffix.fits")


def test_identify_jwst_and_hst(crds_test_data: Path) -> None:
    jwst = identify_reference(str(crds_test_data / "jwst" / "jwst_miri_ipc_0003.add.fits"),
                              "jwst")
    assert (jwst.instrument, jwst.filekind, jwst.extension) == ("miri", "ipc", ".fits")
    assert jwst.header["P_DETECT"] == "MIRIFUSHORT|MIRIFULONG|"
    asdf = identify_reference(str(crds_test_data / "jwst" / "jwst_nircam_specwcs_0011.asdf"),
                              "jwst")
    assert (asdf.instrument, asdf.filekind, asdf.extension) == ("nircam", "specwcs", ".asdf")
    hst = identify_reference(str(crds_test_data / "hst" / "s7g1700gl_dead.fits"), "hst")
    assert (hst.instrument, hst.filekind) == ("cos", "deadtab")
    assert not keeps_uploaded_name(hst)


def test_unplaceable_files_name_the_file(crds_test_data: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.fits"
    junk.write_text("not fits")
    with pytest.raises(GenerationError, match="junk.fits"):
        identify_reference(str(junk), "jwst")
    from astropy.io import fits

    header = fits.Header()
    header["USEAFTER"] = "Jan 01 2020 00:00:00"
    fits.PrimaryHDU(header=header).writeto(tmp_path / "noinstr_drk.fits")
    with pytest.raises(GenerationError, match="Cannot identify 'noinstr_drk.fits'.*instrument"):
        identify_reference(str(tmp_path / "noinstr_drk.fits"), "hst")
    header["INSTRUME"] = "MIRI"
    header["REFTYPE"] = "NOSUCHTYPE"
    fits.PrimaryHDU(header=header).writeto(tmp_path / "notype.fits")
    with pytest.raises(GenerationError, match="Cannot identify 'notype.fits'"):
        identify_reference(str(tmp_path / "notype.fits"), "jwst")
    with pytest.raises(GenerationError, match="No definitions for observatory 'nosuch'"):
        identify_reference(str(crds_test_data / "hst" / "s7g1700gl_dead.fits"), "nosuch")

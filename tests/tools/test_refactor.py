"""``opencrds refactor`` and :mod:`opencrds.rules.edit` against ``crds refactor`` (black box)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opencrds.rules.edit import RefactorError, delete_references, insert_reference
from opencrds.rules.parser import SelectorCall, parse_mapping_text

CACHE = Path("/work/shared/data/crds-cache")
RMAPS = [
    "hst_cos_deadtab_0250.rmap", "hst_acs_atodtab_0251.rmap", "hst_wfc3_darkfile_0390.rmap",
    "hst_stis_biasfile_0307.rmap", "hst_wfc3_drkcfile_0093.rmap", "hst_acs_ccdtab_0250.rmap",
    "hst_stis_ccdtab_0252.rmap", "jwst_nircam_dark_0017.rmap", "jwst_miri_flat_0038.rmap",
    "jwst_nirspec_dark_0029.rmap", "jwst_niriss_gain_0009.rmap", "jwst_fgs_area_0003.rmap",
    "jwst_niriss_flat_0016.rmap", "jwst_nirspec_area_0013.rmap",
]


def rmap_path(name: str) -> Path:
    return CACHE / "mappings" / name.split("_", 1)[0] / name


def first_case(name: str) -> tuple[Any, str, str] | None:
    """(match key, first useafter, its file) of the rmap's first Match -> UseAfter entry."""
    parsed = parse_mapping_text(rmap_path(name).read_text(), name)
    sel = parsed.selector
    if not isinstance(sel, SelectorCall) or sel.class_name != "Match":
        return None
    for key, child in sorted(sel.entries.items(), key=lambda kv: str(kv[0])):
        if isinstance(child, SelectorCall) and child.class_name == "UseAfter" and child.entries:
            date = sorted(child.entries)[0]
            if isinstance(child.entries[date], str):
                return key, date, child.entries[date]
    return None


def make_reference(path: Path, rmap: str, key: tuple[Any, ...], useafter: str) -> bool:
    """Write a FITS reference whose header selects ``key`` in ``rmap``; False if impossible."""
    from astropy.io import fits

    from opencrds.observatories.keywords import jwst_datamodel_to_fits

    parsed = parse_mapping_text(rmap_path(rmap).read_text(), rmap)
    header = fits.Header()
    jwst = parsed.header["observatory"].upper() == "JWST"
    header["TELESCOP"] = parsed.header["observatory"].upper()
    header["INSTRUME"] = parsed.header["instrument"].upper()
    to_fits = jwst_datamodel_to_fits() if jwst else {}
    for parkey, value in zip(parsed.header["parkey"][0], key, strict=True):
        keyword = to_fits.get(parkey, parkey) if jwst else parkey
        if len(keyword) > 8 or "." in keyword or keyword.startswith("NAXIS"):
            return False
        header[keyword] = str(value)
    header["USEAFTER"] = useafter
    fits.PrimaryHDU(header=header).writeto(path, overwrite=True)
    return True

BIN = Path(sys.executable).parent
CRDS = BIN / "crds"
OPENCRDS = BIN / "opencrds"
CRDS_ENV = {**os.environ, "CRDS_PATH": "/work/shared/data/crds-cache", "CRDS_MODE": "local",
            "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
needs_oracle = pytest.mark.skipif(not CRDS.exists() or not rmap_path(RMAPS[0]).exists(),
                                  reason="crds oracle or real cache missing")


def run(tool: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool), *args], cwd=cwd, env=CRDS_ENV, capture_output=True,
                          text=True, timeout=300)


def both(tmp_path: Path, *args: str) -> tuple[str, str]:
    """Run crds and opencrds refactor with ``args`` (old, new, refs) in ``tmp_path``."""
    operation, old, new, *refs = args
    oracle = run(CRDS, "refactor", operation, old, "crds_" + new, *refs, cwd=tmp_path)
    ours = run(OPENCRDS, "refactor", operation, old, "ours_" + new, *refs, cwd=tmp_path)
    assert ours.returncode == oracle.returncode, (oracle.stderr, ours.stderr)
    return ((tmp_path / ("crds_" + new)).read_text(), (tmp_path / ("ours_" + new)).read_text())


@needs_oracle
@pytest.mark.parametrize("rmap", RMAPS)
def test_insert_replace_delete_like_crds(tmp_path: Path, rmap: str) -> None:
    case = first_case(rmap)
    if case is None:
        pytest.skip("no Match -> UseAfter entry")
    key, date, existing = case
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    later, same = tmp_path / "later_ref.fits", tmp_path / "same_ref.fits"
    key = key if isinstance(key, tuple) else (key,)
    if not make_reference(later, rmap, key, "2030-01-01T00:00:00"):
        pytest.skip("parkeys without FITS keywords")
    make_reference(same, rmap, key, date.replace(" ", "T"))
    for args in (("insert", rmap, "a.rmap", later.name),
                 ("insert", rmap, "b.rmap", same.name, later.name),
                 ("delete", rmap, "c.rmap", existing)):
        expected, got = both(tmp_path, *args)
        assert got == expected, args
    from opencrds.client.contexts import get_loader

    loader = get_loader(tmp_path)
    loader.from_text((tmp_path / "ours_b.rmap").read_text(), "ours_b.rmap")
    # each result passes certify (the new references are files beside it)
    for name in ("ours_a.rmap", "ours_b.rmap", "ours_c.rmap"):
        checked = run(OPENCRDS, "certify", "--comparison-context", "none", name, cwd=tmp_path)
        assert " 0 errors" in checked.stderr, (name, checked.stderr[-3000:])


def test_insert_new_match_key_and_useafter() -> None:
    text = (rmap_path(RMAPS[0]).read_text() if rmap_path(RMAPS[0]).exists() else None)
    if text is None:
        pytest.skip("real cache missing")
    parsed = parse_mapping_text(text, RMAPS[0])
    header = {"DETECTOR": "XUV", "USEAFTER": "Mar 15 2005 01:02:03"}
    new, replaced = insert_reference(parsed, "x_dead.fits", header)
    assert replaced is None
    assert new.selector.entries[("XUV",)].entries == {"2005-03-15 01:02:03": "x_dead.fits"}
    assert ("XUV",) not in parsed.selector.entries  # the input is not modified
    with pytest.raises(RefactorError):
        insert_reference(parsed, "y.fits", {"DETECTOR": "MUV", "USEAFTER": "2001-01-01"},
                         replace_only=True)
    with pytest.raises(RefactorError, match="could not be found"):
        delete_references(parsed, ["nothere.fits"])


def test_bad_inputs_one_error_each(tmp_path: Path) -> None:
    if not rmap_path(RMAPS[0]).exists():
        pytest.skip("real cache missing")
    shutil.copy(rmap_path(RMAPS[0]), tmp_path / RMAPS[0])
    proc = run(OPENCRDS, "refactor", "insert", RMAPS[0], "new.rmap", "a.fits", "b.fits",
               cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("ERROR") == 2
    assert not (tmp_path / "new.rmap").exists()


@needs_oracle
def test_irrelevant_parameter_becomes_na_like_crds(tmp_path: Path) -> None:
    """CCDGAIN is irrelevant for this UVIS mode (parkey_relevance): the existing key is used."""
    from astropy.io import fits

    rmap = "hst_wfc3_darkfile_0390.rmap"
    shutil.copy(rmap_path(rmap), tmp_path / rmap)
    header = fits.Header()
    for key, value in (("INSTRUME", "WFC3"), ("DETECTOR", "UVIS"), ("CCDAMP", "ABCD"),
                       ("BINAXIS1", 3), ("BINAXIS2", 3), ("CCDGAIN", 1.5), ("SAMP_SEQ", "N/A"),
                       ("SUBTYPE", "N/A"), ("USEAFTER", "Jan 01 2030 00:00:00")):
        header[key] = value
    fits.PrimaryHDU(header=header).writeto(tmp_path / "n_drk.fits")
    expected, got = both(tmp_path, "insert", rmap, "n.rmap", "n_drk.fits")
    assert got == expected
    assert "    ('UVIS', 'ABCD', 3, 3, 'N/A', 'N/A', 'N/A') : UseAfter({" in got

"""``opencrds rowdiff`` against ``crds rowdiff`` (black box) on real and hand-made FITS tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from helpers import user_environment
from opencrds.io.rowdiff import ModeHduDiff, RowDiffError, RowHduDiff, row_diff
from opencrds.tools.main import main

BIN = Path(sys.executable).parent
ORACLE = BIN / "crds"


def _write(path: Path, *tables: dict, image_first: bool = False) -> None:
    hdus: list = [fits.PrimaryHDU()]
    if image_first:
        hdus.append(fits.ImageHDU(np.zeros((2, 2))))
    hdus += [fits.BinTableHDU(Table(t)) for t in tables]
    fits.HDUList(hdus).writeto(path)


BASE = {"DET": [1, 1, 2, 2, 3], "FILT": ["F1", "F2", "F1", "F2", "F1"],
        "VAL": [1.5, 2.5, 3.5, 4.5, 5.5]}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of small tables: changed/added/deleted rows, other columns, modes."""
    d = tmp_path_factory.mktemp("rowdiff")
    _write(d / "a.fits", BASE)
    _write(d / "b.fits", {"DET": [1, 2, 2, 3, 3, 10], "FILT": ["F1", "F1", "F2", "F1", "F1", "F1"],
                          "VAL": [1.5, 3.0, 4.5, 5.5, 6.5, 7.0]})
    _write(d / "extra_col.fits", {**BASE, "X": [0] * 5})
    _write(d / "reordered.fits", {"val": BASE["VAL"], "det": BASE["DET"], "filt": BASE["FILT"]})
    _write(d / "deleted.fits", {k: v[2:] for k, v in BASE.items()})
    _write(d / "two_a.fits", BASE, BASE)
    _write(d / "two_b.fits", BASE, {**BASE, "VAL": [1.5, 2.5, 3.5, 4.5, 9.5]})
    _write(d / "img_a.fits", BASE, image_first=True)
    _write(d / "img_b.fits", {**BASE, "DET": [1, 1, 2, 2, 4]}, image_first=True)
    _write(d / "empty.fits", {"DET": np.array([], dtype=int)})
    ascii_cols = [fits.Column(name="DET", format="I5", array=np.array([1, 2, 3])),
                  fits.Column(name="FILT", format="A4", array=np.array(["F1", "F2", "F3"]))]
    fits.HDUList([fits.PrimaryHDU(), fits.TableHDU.from_columns(ascii_cols)]).writeto(
        d / "ascii_a.fits")
    ascii_cols[0] = fits.Column(name="DET", format="I5", array=np.array([1, 5, 3]))
    fits.HDUList([fits.PrimaryHDU(), fits.TableHDU.from_columns(ascii_cols)]).writeto(
        d / "ascii_b.fits")
    # mode tables: keys DET; missing, duplicated, changed and common-row changes
    _write(d / "m1.fits", {"DET": [10, 9, 2, 2, 7], "VAL": [1.0, 2.0, 3.0, 4.0, 5.0]})
    _write(d / "m2.fits", {"DET": [9, 10, 3, 4, 7], "VAL": [1.0, 2.5, 3.0, 4.0, 6.0],
                           "X": [1] * 5})
    _write(d / "m3.fits", {"DET": [6, 4, 2, 1, 0], "VAL": [1.0, 2.0, 3.0, 4.0, 5.0]})
    _write(d / "m4.fits", {"DET": [1, 3, 4, 5, 6], "VAL": [4.0, 2.0, 3.0, 4.0, 1.0]})
    _write(d / "dup1.fits", {"DET": [1, 1, 1, 2], "VAL": [1.0, 2.0, 3.0, 9.0]})
    _write(d / "dup2.fits", {"DET": [2, 1, 1], "VAL": [9.0, 3.0, 1.0]})
    fits.PrimaryHDU(np.zeros((3, 3))).writeto(d / "image.fits")
    (d / "text.fits").write_text("not a FITS file\n")
    return d


def _ours(cwd: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(["rowdiff", *args])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


def _oracle(cwd: Path, *args: str) -> tuple[int, str]:
    env = {**user_environment(), "CRDS_SERVER_URL": "https://hst-serverless-mode.stsci.edu",
           "CRDS_PATH": str(cwd / "crds-cache"), "CRDS_MODE": "local"}
    proc = subprocess.run([str(ORACLE), "rowdiff", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout


needs_oracle = pytest.mark.skipif(not ORACLE.exists(), reason="crds oracle not installed")

SMALL_CASES = [
    ("a.fits", "b.fits"),                        # changed + added rows
    ("b.fits", "reordered.fits"),                # other column order, lower-case names
    ("a.fits", "deleted.fits"),                  # removed rows
    ("a.fits", "extra_col.fits"),                # only common columns compared: same
    ("two_a.fits", "two_b.fits"),                # second extension differs
    ("img_a.fits", "img_b.fits"),                # image extension skipped
    ("empty.fits", "a.fits"),
    ("ascii_a.fits", "ascii_b.fits"),            # ASCII table
    ("a.fits", "b.fits", "--fields=val,DET"),
    ("a.fits", "b.fits", "--ignore-fields=val"),
    ("a.fits", "two_a.fits"),                    # different number of HDUs
    ("image.fits", "image.fits"),                # no tables at all
    ("m1.fits", "m2.fits", "--mode-fields=det"),
    ("m3.fits", "m4.fits", "--mode-fields=det"),
    ("dup1.fits", "dup2.fits", "--mode-fields=det", "--fields=val"),
]


@needs_oracle
@pytest.mark.oracle
@pytest.mark.parametrize("args", SMALL_CASES, ids=lambda a: " ".join(a))
def test_small_tables_like_crds(tables: Path, args: tuple[str, ...],
                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ours(tables, *args, capsys=capsys)
    assert code == 0, err
    assert (code, out) == _oracle(tables, *args)


REAL_PAIRS = [
    ("test-source.fits", "test-change-row1-valueLeft.fits"),
    ("test-source.fits", "test-duplicate-mode.fits", "--mode-fields=modeup,modedown"),
    ("test-single-modes.fits", "test-alternate-modes.fits", "--mode-fields=modeup,modedown"),
    ("hst/s7g1700gl_dead.fits", "hst/s7g1700hl_dead.fits"),
    ("hst/x2i1559gl_wcp.fits", "hst/xaf1429el_wcp.fits"),
    ("hst/x2i1559gl_wcp.fits", "hst/xaf1429el_wcp.fits", "--mode-fields=opt_elem"),
    ("hst/43h1240om_tmc.fits", "hst/16n1832tm_tmc.fits"),
    ("jwst/niriss_ref_photom.fits", "jwst/niriss_ref_photom_bad.fits"),
]


@needs_oracle
@pytest.mark.oracle
@pytest.mark.parametrize("args", REAL_PAIRS, ids=lambda a: " ".join(a))
def test_real_references_like_crds(crds_test_data: Path, tmp_path: Path, args: tuple[str, ...],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    for name in args[:2]:  # copies, so both tools see the same relative names
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(crds_test_data / name, tmp_path / name)
    code, out, _ = _ours(tmp_path, *args, capsys=capsys)
    assert (code, out) == _oracle(tmp_path, *args)
    assert out.strip()


def test_library_result(tables: Path) -> None:
    result = row_diff(tables / "a.fits", tables / "b.fits")
    (hdu,) = result.hdus
    assert isinstance(hdu, RowHduDiff) and hdu.index == 1
    assert hdu.summary == ["a rows 1-2 differ from b rows 1-1", "Add to b rows 4-5"]
    assert result.differs
    same = row_diff(tables / "a.fits", tables / "extra_col.fits")
    assert not same.differs and same.last_table == 1
    modes = row_diff(tables / "m3.fits", tables / "m4.fits", mode_fields="det")
    (mode,) = modes.hdus
    assert isinstance(mode, ModeHduDiff)
    assert list(mode.a_to_b.missing["det"]) == [0]
    assert list(mode.a_to_b.duplicated["det"]) == [5]
    assert list(mode.common.changed_from["val"]) == [2.0]


def test_large_table_differences_found(tmp_path: Path) -> None:
    # crds 14.0.3 reports "no differences" for such tables of >= 100 rows; we report them
    _write(tmp_path / "x.fits", {"N": np.arange(150)})
    _write(tmp_path / "y.fits", {"N": np.where(np.arange(150) == 5, 999, np.arange(150))})
    (hdu,) = row_diff(tmp_path / "x.fits", tmp_path / "y.fits").hdus
    assert hdu.summary == ["a rows 5-5 differ from b rows 5-5"]


@pytest.mark.parametrize("args, fragment", [
    (("a.fits", "missing.fits"), "missing.fits"),
    (("text.fits", "a.fits"), "text.fits"),
    (("a.fits", "b.fits", "--fields=det", "--ignore-fields=val"), "Both fields and ignore"),
    (("a.fits", "b.fits", "--mode-fields=DET"), "Mode select columns are not in both tables"),
    (("a.fits", "b.fits", "--mode-fields=det", "--ignore-fields=det"), "Mode select columns"),
])
def test_bad_input_one_error(tables: Path, args: tuple[str, ...], fragment: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _ours(tables, *args, capsys=capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("CRDS - ERROR -") and fragment in lines[0]


def test_library_errors(tables: Path) -> None:
    with pytest.raises(RowDiffError, match="nope.fits"):
        row_diff(tables / "nope.fits", tables / "a.fits")

"""FITS headers: merging rules, value text, needed keys, laziness and errors (no shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from astropy.io import fits

from opencrds.io import HeaderError, read_header
from opencrds.rules.errors import CrdsError

PRIMARY = ["SIMPLE  =                    T", "BITPIX  =                    8",
           "NAXIS   =                    0", "EXTEND  =                    T"]
IMAGE_EXT = ["XTENSION= 'IMAGE   '", "BITPIX  =                    8",
             "NAXIS   =                    0", "PCOUNT  =                    0",
             "GCOUNT  =                    1"]


def test_primary_and_extensions_merge_first_wins(raw_fits):
    path = raw_fits("m.fits", [*PRIMARY, "DUP     = 'first'", "DUP     = 'second'"],
                    [*IMAGE_EXT, "DUP     = 'ext'", "EXTONLY = 7", "BITPIX  = 16"])
    header = read_header(path)
    assert header["DUP"] == "first"
    assert header["EXTONLY"] == "7"
    assert header["BITPIX"] == "8"
    assert header["XTENSION"] == "IMAGE"
    assert list(header)[-1] == "FILE_FORMAT" and header["FILE_FORMAT"] == "FITS"


def test_value_text(raw_fits):
    path = raw_fits("v.fits", [
        *PRIMARY,
        "UNDEF   =",
        "CPLX    = (1.5, 2.0)",
        "LEAD    = '   lead  '",
        "EMPTY   = ''",
        "QUOTE   = 'it''s'",
        "FLT     =              1.0E+10",
        "FLT2    =              1.5D-3",
        "FLTX    =                  1.",
        "BOOLF   =                    F",
        "lower   = 'x'",
        "HIERARCH ESO DET CHIP = 'chip'",
        "LONGSTR = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&'",
        "CONTINUE  'bbbbbbbb'",
        "DP1     = 'NAXES: 2'",
    ])
    header = read_header(path)
    assert header["SIMPLE"] == "True" and header["BOOLF"] == "False"
    assert header["BITPIX"] == "8"
    assert header["UNDEF"] == "UNDEFINED"  # crds prints astropy's placeholder object here
    assert header["CPLX"] == "(1.5+2j)"
    assert header["LEAD"] == "   lead"
    assert header["EMPTY"] == ""
    assert header["QUOTE"] == "it's"
    assert header["FLT"] == "10000000000.0"
    assert header["FLT2"] == "0.0015"
    assert header["FLTX"] == "1.0"
    assert header["LOWER"] == "x"
    assert header["ESO DET CHIP"] == "chip"
    assert header["LONGSTR"] == "a" * 65 + "b" * 8
    assert header["DP1.NAXES"] == "2.0"
    assert all(isinstance(value, str) for value in header.values())


@pytest.mark.parametrize(("primary", "extension", "expected"), [
    ([""], ["a"], "\na"),
    (["", "a"], [], "\na"),
    (["", "", "", "a"], [], "\na"),
    (["a", "", "b"], [], "a\n\nb"),
    (["", ""], [], ""),
    ([""], [], ""),
    (["", ""], ["", "x"], "\nx"),
    ([], ["", "", "x"], "\nx"),
    (["x"], ["", ""], "x\n\n"),
    (["", "", "a", "", ""], [], "\na\n\n"),
    (["h1", "  h2  "], ["ext"], "h1\n  h2\next"),
])
def test_history_joins_like_crds(raw_fits, primary, extension, expected):
    """Blank cards are skipped while the collected text is still empty (crds 14.0.3)."""
    path = raw_fits("h.fits", [*PRIMARY, *(f"HISTORY {t}" for t in primary)],
                    [*IMAGE_EXT, *(f"HISTORY {t}" for t in extension)])
    assert read_header(path).get("HISTORY", "<none>") == (expected if primary or extension
                                                           else "<none>")


def test_comment_history_position_and_blank_keys(raw_fits):
    path = raw_fits("c.fits", [*PRIMARY, "COMMENT one", "A       = 1",
                               "        / a blank-keyword card", "COMMENT two"],
                    [*IMAGE_EXT, "COMMENT ext"])
    header = read_header(path)
    assert header["COMMENT"] == "one\ntwo\next"
    assert list(header).index("COMMENT") < list(header).index("A")
    assert "" not in header


def test_needed_keys_restrict_and_fill_undefined(raw_fits):
    path = raw_fits("n.fits", [*PRIMARY, "INSTRUME= 'ACS'", "DETECTOR= 'HRC'"],
                    [*IMAGE_EXT, "NAXIS1  = 5"])
    header = read_header(path, ["detector", "NOPE", "INSTRUME", "HISTORY"])
    assert header == {"INSTRUME": "ACS", "DETECTOR": "HRC", "NOPE": "UNDEFINED",
                      "HISTORY": "UNDEFINED", "FILE_FORMAT": "FITS"}
    assert list(header) == ["INSTRUME", "DETECTOR", "NOPE", "HISTORY", "FILE_FORMAT"]
    assert read_header(path, ["NAXIS1"])["NAXIS1"] == "5"
    assert read_header(path, []) == read_header(path)


def test_needed_keys_found_in_primary_do_not_read_a_corrupt_extension(raw_fits):
    path = raw_fits("early.fits", [*PRIMARY, "INSTRUME= 'ACS'"], data=b"garbage" * 500)
    assert read_header(path, ["INSTRUME"])["INSTRUME"] == "ACS"
    with pytest.raises(HeaderError, match="corrupt header of HDU 1"):
        read_header(path)


def test_big_file_header_is_read_without_reading_data(tmp_path: Path):
    """A 4 GB (sparse) image: only the header blocks are touched."""
    header = fits.Header({"SIMPLE": True, "BITPIX": 8, "NAXIS": 2, "NAXIS1": 65536,
                          "NAXIS2": 65536, "INSTRUME": "ACS"})
    path = tmp_path / "big.fits"
    with open(path, "wb") as stream:
        stream.write(header.tostring(padding=True).encode("ascii"))
        stream.truncate(2880 + 65536 * 65536)
    before = bytes_read()
    result = read_header(path)
    assert result["INSTRUME"] == "ACS" and result["NAXIS1"] == "65536"
    assert bytes_read() - before < 16 << 20  # the header, not the 4 GB of data


def bytes_read() -> int:
    """Bytes this process has read so far (``rchar`` of ``/proc/self/io``)."""
    io = Path("/proc/self/io")
    if not io.exists():
        pytest.skip("no /proc/self/io on this system")
    fields = dict(line.split(": ") for line in io.read_text().splitlines())
    return int(fields["rchar"])


def test_truncated_data_is_accepted_like_crds(raw_fits, tmp_path: Path):
    """Complete headers, data cut short (crds-test-data/hst/truncated.fits is like this)."""
    path = raw_fits("t.fits", [*PRIMARY[:2], "NAXIS   =                    1",
                               "NAXIS1  =                 5000", "INSTRUME= 'COS'"],
                    data=b"\0" * 100)
    assert read_header(path)["INSTRUME"] == "COS"


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "Empty or corrupt FITS file"),
    (b"hello world\n" * 10, "No SIMPLE card found"),
    (b'{"a": 1}', "No SIMPLE card found"),
    (b"SIMPLE  =                    T" + b" " * 50, "Empty or corrupt FITS file"),
])
def test_not_fits_raises_one_line_header_error(text_file, content, problem):
    path = text_file("bad.fits", content)
    with pytest.raises(HeaderError) as info:
        read_header(path)
    message = str(info.value)
    assert message.startswith(f"cannot read FITS header of '{path}': ")
    assert problem in message
    assert "\n" not in message
    assert isinstance(info.value, CrdsError)


def test_missing_end_and_truncated_extension_header(raw_fits, tmp_path: Path):
    full = raw_fits("full.fits", PRIMARY, [*IMAGE_EXT, "A       = 1"])
    raw = full.read_bytes()
    no_end = tmp_path / "noend.fits"
    no_end.write_bytes(raw[:2880].replace(b"END".ljust(80), b" " * 80))
    with pytest.raises(HeaderError, match="Header missing END card"):
        read_header(no_end)
    cut = tmp_path / "cut.fits"
    cut.write_bytes(raw[:2880 + 1000])
    with pytest.raises(HeaderError, match=r"truncated or corrupt header of HDU 1") as info:
        read_header(cut)
    assert "\n" not in str(info.value)


def test_inconsistent_extension_header(raw_fits):
    path = raw_fits("naxis.fits", PRIMARY, [*IMAGE_EXT[:2], "NAXIS   = 2", *IMAGE_EXT[3:]])
    with pytest.raises(HeaderError, match=r"naxis.fits': .*NAXIS1"):
        read_header(path)


def test_missing_file(tmp_path: Path):
    with pytest.raises(HeaderError, match=r"cannot read FITS header of '.*nowhere.fits': no such"):
        read_header(tmp_path / "nowhere.fits")
    with pytest.raises(HeaderError, match=r"no such file"):
        read_header(tmp_path / "nowhere.data")


def test_fits_by_content(raw_fits):
    path = raw_fits("opaque.tmp", [*PRIMARY, "INSTRUME= 'STIS'"])
    header = read_header(path)
    assert header["INSTRUME"] == "STIS" and header["FILE_FORMAT"] == "FITS"

"""opencrds.io against the real crds 14.0.3 on the shared test files.

* every file of crds-test-data: the same header dict as ``crds.data_file.get_header`` (values and
  key order), or -- where crds cannot read it -- a one-line :class:`HeaderError` naming the file;
* the same with ``needed_keys`` = the required parameters of hst_0729 / jwst_0541 / roman_0007;
* ``write_bestrefs`` given the updates ``crds bestrefs --update-bestrefs`` made produces a file
  byte-identical to crds's.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from astropy.io import fits

import opencrds
from opencrds.io import HeaderError, read_header, write_bestrefs
from opencrds.observatories.keywords import jwst_datamodel_to_fits

pytestmark = [pytest.mark.oracle, pytest.mark.shared_data]

REPO = Path(__file__).resolve().parents[2]
MAPPING_SUFFIXES = (".pmap", ".imap", ".rmap")
CONTEXTS = {"hst": "hst_0729.pmap", "jwst": "jwst_0541.pmap", "roman": "roman_0007.pmap"}
# Files crds 14.0.3 cannot read but we can, on purpose.
DIVERGENCES = {
    "jwst/jwst_miri_distortion_0001.asdf":
        "crds raises KeyError 'meta' for an ASDF tree without 'roman' or meta.telescope",
}
HEAVY = {"jwst/jwst_miri_distortion_0022.asdf", "jwst/jwst_nirspec_ifupost_0004.asdf",
         "hst/j8btyyy_raw_bad.fits"}


def _test_data_dir() -> Path:
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    return (Path(env) if env else REPO.parent / "shared" / "data") / "crds-test-data"


def _test_files() -> list[Any]:
    root = _test_data_dir()
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no test data at {root}"))]
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                   if p.is_file() and not p.name.endswith(MAPPING_SUFFIXES))
    return [pytest.param(n, marks=[pytest.mark.slow] if n in HEAVY else []) for n in names]


FILES = _test_files()


def oracle_header(crds: Any, path: Path, needed: tuple[str, ...] = ()) -> tuple[Any, str | None]:
    """``(header, None)`` or ``(None, error text)`` from crds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return crds.data_file.get_header(str(path), needed), None
        except Exception as exc:
            return None, f"{type(exc).__name__}: {exc}"


def ours(path: Path, needed: tuple[str, ...] | None = None) -> tuple[Any, HeaderError | None]:
    try:
        return read_header(path, needed), None
    except HeaderError as exc:
        return None, exc


def check_same(relpath: str, path: Path, crds: Any, needed: tuple[str, ...] = ()) -> None:
    expected, oracle_error = oracle_header(crds, path, needed)
    header, error = ours(path, needed)
    if relpath in DIVERGENCES:
        assert oracle_error and error is None, DIVERGENCES[relpath]
        return
    if oracle_error:
        assert error is not None, f"crds fails ({oracle_error}), we read {header}"
        assert str(error).startswith("cannot read ") and f"'{path}'" in str(error)
        assert "\n" not in str(error)
        return
    assert error is None, f"crds reads it, we fail: {error}"
    assert header == expected
    assert list(header) == list(expected)


@pytest.fixture(scope="module")
def required_parkeys(crds_cache: Path) -> dict[str, tuple[str, ...]]:
    """Per observatory: every instrument's required parameters (JWST: also as FITS keywords)."""
    result = {}
    for observatory, name in CONTEXTS.items():
        context = opencrds.load_context(name, cache=crds_cache, ignore_checksum=True)
        keys: list[str] = []
        for parkeys in context.get_required_parkeys().values():
            keys.extend(parkeys)
        if observatory == "jwst":
            keys.extend(jwst_datamodel_to_fits().get(key, key) for key in list(keys))
        result[observatory] = tuple(dict.fromkeys([*keys, "HISTORY", "COMMENT", "NO_SUCH_KEY"]))
    return result


def observatory_of(header: dict[str, str], relpath: str) -> str:
    if relpath.startswith("roman/") or any(key.startswith("ROMAN.") for key in header):
        return "roman"
    if relpath.startswith("jwst/") or "META.INSTRUMENT.NAME" in header:
        return "jwst"
    return "hst"


@pytest.mark.parametrize("relpath", FILES)
def test_full_header_as_crds(oracle_env, crds_test_data: Path, relpath: str) -> None:
    check_same(relpath, crds_test_data / relpath, oracle_env)


@pytest.mark.parametrize("relpath", FILES)
def test_needed_keys_as_crds(oracle_env, crds_test_data: Path, required_parkeys, relpath: str):
    path = crds_test_data / relpath
    header, _ = ours(path)
    observatory = observatory_of(header or {}, relpath)
    check_same(relpath, path, oracle_env, required_parkeys[observatory])


def test_broken_files_give_one_line_errors(crds_test_data: Path) -> None:
    broken = ["jwst/invalid.asdf", "jwst/invalid.json", "jwst/invalid.yaml", "valid.text",
              "hst/ascii_tab.csv", "hst/file_list1", "roman/server_config"]
    for relpath in broken:
        path = crds_test_data / relpath
        with pytest.raises(HeaderError) as info:
            read_header(path)
        assert str(info.value).startswith("cannot read ") and f"'{path}'" in str(info.value)
        assert "\n" not in str(info.value)


# ---- synthetic files: the rules behind the real ones -----------------------------------------

PRIMARY = ["SIMPLE  =                    T", "BITPIX  =                    8",
           "NAXIS   =                    0", "EXTEND  =                    T"]
EXTENSION = ["XTENSION= 'IMAGE   '", "BITPIX  =                    8",
             "NAXIS   =                    0", "PCOUNT  =                    0",
             "GCOUNT  =                    1"]
SYNTHETIC_FITS = {
    "values": [[*PRIMARY, "CPLX    = (1.5, 2.0)", "LEAD    = '   lead  '", "QUOTE   = 'it''s'",
                "FLT     =              1.5D-3", "FLTX    =                  1.",
                "lower   = 'x'", "HIERARCH ESO DET CHIP = 'chip'", "DP1     = 'NAXES: 2'",
                "LONGSTR = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&'",
                "CONTINUE  'bbbbbbbb'", "DUP     = 'first'", "DUP     = 'second'",
                "        / blank"], [*EXTENSION, "DUP     = 'ext'", "EXTONLY = 7"]],
    "history": [[*PRIMARY, "HISTORY", "HISTORY", "HISTORY a", "HISTORY", "COMMENT x"],
                [*EXTENSION, "HISTORY", "HISTORY b", "COMMENT", "COMMENT"]],
    "jwst": [[*PRIMARY, "INSTRUME= 'NIRCAM'", "DETECTOR= 'NRCA1'", "DESCRIPTION= 'd'",
              "CAL_VER = '1.0'", "DATE-OBS= '2020-01-01'", "P_EXP_TY= 'X|'"],
             [*EXTENSION, "SUBSTRT1= 1", "XPOSURE = 2.5"]],
}


def card_file(path: Path, hdus: list[list[str]]) -> Path:
    raw = b""
    for cards in hdus:
        block = b"".join(line.ljust(80).encode() for line in [*cards, "END"])
        raw += block.ljust(-(-len(block) // 2880) * 2880, b" ")
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("name", sorted(SYNTHETIC_FITS))
def test_synthetic_fits_as_crds(oracle_env, tmp_path: Path, name: str) -> None:
    path = card_file(tmp_path / f"{name}.fits", SYNTHETIC_FITS[name])
    check_same(name, path, oracle_env)
    check_same(name, path, oracle_env, ("DETECTOR", "HISTORY", "INSTRUME", "META.INSTRUMENT.NAME"))


GEIS_LINES = [
    "SIMPLE  =                    F /", "DATATYPE= 'REAL*4  '           /",
    "DATE-OBS=                    / / UT date", "A       =                   5/comment",
    "B       = 'quoted / slash'  / c", "EQUINOX = ' J2000  '           / c", "lower   = 'x'",
    "I=5", "COMMENT  c=d", "        = 'blankkey'", "HISTORY  one", "HISTORY", "HISTORYX more",
    "DUP     = 'one'", "DUP     = 'two'", "F       =", "END", "AFTER   = 'after end'",
]


def test_synthetic_geis_as_crds(oracle_env, tmp_path: Path) -> None:
    path = tmp_path / "g.r1h"
    path.write_text("\n".join(line.ljust(80) for line in GEIS_LINES) + "\n")
    check_same("g.r1h", path, oracle_env)
    check_same("g.r1h", path, oracle_env, ("DATE-OBS", "HISTORY", "NOPE"))


JSON_DOCUMENTS = [
    {"meta": {"instrument": {"name": "miri", "detector": "A"}}, "detector": "B"},
    {"instrume": "nircam", "meta": {"instrument": {"name": "miri"}}},
    {"instrument": "fgs", "instrume": "nircam"},
    {"meta": {"instrument": {"type": "niriss"}}},
    {"instrume": "miri", "descrip": "d1", "description": "d2"},
    {"instrume": "miri", "detector": "UNDEFINED", "meta": {"instrument": {"detector": "X"}}},
    {"instrume": "miri", "calibration_software_version": "2.0", "history": "UNDEFINED",
     "meta": {"history": "H"}},
    {"instrume": "ACS", "meta": {"instrument": {"name": "miri"}}},
    {"instrume": "", "meta": {"instrument": {"name": "miri"}}},
    {"instrume": "ALL", "a": [1, "x", {"b": 1}, [1, 2], None, True, 1.5, []], "e": {}},
]


@pytest.mark.parametrize("index", range(len(JSON_DOCUMENTS)))
def test_synthetic_json_as_crds(oracle_env, tmp_path: Path, index: int) -> None:
    import json

    path = tmp_path / "d.json"
    path.write_text(json.dumps(JSON_DOCUMENTS[index]))
    check_same("d.json", path, oracle_env)


def test_synthetic_yaml_as_crds(oracle_env, tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("\n".join([
        "k0: 2001-01-23 10:11:12.123456+02:00", "k1: 2001-01-23T10:11:12.000001",
        "k2: 2001-01-23T23:59:59.999999", "k3: 2001-01-23T10:11:12.1+01:00", "d: 2001-01-23",
        "yes: dropped", "1: dropped", "oct: 0o17", "hex: 0x1F", "inf: .inf",
        "l: [2001-01-23T10:11:12.5, {a: 1}, [1, 2]]", "n: {Mixed: 1, deep: {a: b}}"]))
    check_same("d.yaml", path, oracle_env)


def test_synthetic_asdf_as_crds(oracle_env, tmp_path: Path) -> None:
    import datetime

    import asdf
    from astropy.time import Time

    entry = asdf.tags.core.HistoryEntry
    trees = [
        {"meta": {"telescope": "JWST", "instrument": {"name": "NIRCAM", "detector": "NRCA1"},
                  "useafter": Time("2020-01-01T00:00:00.9996"),
                  "date": Time(58000.5, format="mjd"), "tai": Time("2020-01-01", scale="tai")},
         "dt": datetime.datetime(2001, 1, 23, 10, 11, 12, 123456), "none": None,
         "history": {"entries": [entry({"description": "a", "time": datetime.datetime(2020, 1, 1)}),
                                 entry({"description": "b",
                                        "time": datetime.datetime(2020, 1, 2, 3, 4, 5, 6)})]}},
        {"meta": {"telescope": "JWST"}, "history": {"entries": [entry({"description": "x"})]}},
        {"meta": {"telescope": "ROMAN"}, "roman": {"meta": {"instrument": {"name": "WFI"}}},
         "history": [{"description": "list form", "time": datetime.datetime(2021, 1, 1)}]},
    ]
    for index, tree in enumerate(trees):
        path = tmp_path / f"t{index}.asdf"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            asdf.AsdfFile(tree).write_to(path)
        check_same(path.name, path, oracle_env)


# ---- write_bestrefs ------------------------------------------------------------------------

REAL_DATASETS = ["j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "j8bt09jcq_raw.fits",
                 "cos_N8XTZCAWQ.fits", "j8bt05njq_raw_broke.fits", "j8btxxx_raw_bad.fits"]


def _instrument_datasets(directory: Path, crds_cache: Path) -> list[str]:
    """One small FITS dataset per HST instrument, built from headers the hst_0729 rules match."""
    from opencrds.testing.headers import headers_for_context

    context = opencrds.load_context(CONTEXTS["hst"], cache=crds_cache)
    made: dict[str, str] = {}
    for _kind, header in headers_for_context(context, random.Random(1), per_type=3, odd=False):
        instrument = str(header.get("INSTRUME", "")).lower()
        if not instrument or instrument in made:
            continue
        results = context.get_best_references(header)
        if not any(not str(v).startswith("NOT FOUND") and v != "N/A" for v in results.values()):
            continue
        primary = fits.Header()
        for key, value in header.items():
            if len(key) <= 8 and not key.startswith("NAXIS"):
                primary[key] = str(value)
        name = f"synthetic_{instrument}.fits"
        fits.PrimaryHDU(header=primary).writeto(directory / name)
        made[instrument] = name
    return list(made.values())


def _grown_dataset(directory: Path, source: Path) -> str:
    """A real dataset whose primary header is full, so the update must add a block."""
    with fits.open(source) as hdus:
        header = hdus[0].header
        free = 36 - (len(header.cards) + 1) % 36
        for index in range(free):
            header[f"PAD{index:05d}"] = "x"
        hdus.writeto(directory / "grown_raw.fits")
    return "grown_raw.fits"


@pytest.fixture(scope="module")
def crds_updated(crds_cache: Path, crds_test_data: Path, tmp_path_factory) -> dict[str, Any]:
    """Copies of HST datasets before and after ``crds bestrefs --update-bestrefs``."""
    pytest.importorskip("crds", reason="the crds oracle client is not installed")
    before = tmp_path_factory.mktemp("before")
    after = tmp_path_factory.mktemp("after")
    names = []
    for name in REAL_DATASETS:
        shutil.copyfile(crds_test_data / "hst" / name, before / name)
        names.append(name)
    names += _instrument_datasets(before, crds_cache)
    names.append(_grown_dataset(before, crds_test_data / "hst" / "j8bt05njq_raw.fits"))
    for name in names:
        shutil.copyfile(before / name, after / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(crds_cache), CRDS_MODE="local", CRDS_READONLY_CACHE="1",
               CRDS_SERVER_URL="https://localhost:1")
    subprocess.run([sys.executable, "-m", "crds.bestrefs", "--files", *names,
                    "--new-context", CONTEXTS["hst"], "--update-bestrefs"],
                   cwd=after, env=env, capture_output=True, text=True, timeout=900, check=False)
    return {"before": before, "after": after, "names": names}


def _crds_updates(before: Path, after: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The type keywords crds changed or added, and its CRDS_CTX / CRDS_VER."""
    def first_values(path: Path) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in fits.getheader(path).items():  # keywords may repeat (ORIGIN)
            values.setdefault(key, value)
        return values

    old = first_values(before)
    new = first_values(after)
    updates = {key.lower(): str(value) for key, value in new.items()
               if key and key not in ("CRDS_CTX", "CRDS_VER", "COMMENT", "HISTORY")
               and (key not in old or old[key] != value)}
    stamps = {"context": new.get("CRDS_CTX"), "crds_version": new.get("CRDS_VER")}
    return updates, stamps


def test_bestrefs_writer_matches_crds_byte_for_byte(crds_updated, tmp_path: Path) -> None:
    checked = set()
    for name in crds_updated["names"]:
        original = crds_updated["before"] / name
        theirs = crds_updated["after"] / name
        if theirs.read_bytes() == original.read_bytes():
            continue  # crds wrote nothing (e.g. the lookup failed for the whole dataset)
        updates, stamps = _crds_updates(original, theirs)
        assert stamps["context"] == CONTEXTS["hst"]
        mine = tmp_path / name
        shutil.copyfile(original, mine)
        written = write_bestrefs(mine, updates, **stamps)
        assert mine.read_bytes() == theirs.read_bytes(), name
        instrument = fits.getval(original, "INSTRUME").lower()
        checked.add(instrument)
        assert all(value == "N/A" or "$" in value for key, value in written.items()
                   if key not in ("CRDS_CTX", "CRDS_VER")), written
    assert {"acs", "nicmos"} <= checked
    assert len(checked) >= 5, checked
    assert "grown_raw.fits" in crds_updated["names"]
    grown = crds_updated["after"] / "grown_raw.fits"
    assert grown.stat().st_size == (crds_updated["before"] / "grown_raw.fits").stat().st_size + 2880

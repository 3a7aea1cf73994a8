"""Tests for opencrds.rules.naming (RULES.md §8), with black-box comparisons to crds 14.0.3."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import opencrds.observatories  # noqa: F401  (registers the missions whose names are CRDS names)
from helpers import user_environment
from opencrds.rules.naming import (
    HST_INSTRUMENT_LETTERS,
    MAPPING_NAME_RE,
    MAPPING_NAME_WITH_SERIAL_RE,
    MappingNameParts,
    NameComparisonError,
    ReferenceNameParts,
    classify_name,
    extension_rank,
    hst_timestamp_name,
    is_mapping,
    is_reference,
    is_valid_mapping_name,
    mapping_kind,
    name_serial,
    newer,
    next_mapping_name,
    properties_from_reference_name,
    split_mapping_name,
)
from opencrds.rules.parser import SelectorCall, parse_mapping_text


def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository, or ``$OPENCRDS_SHARED_DATA``."""
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


MAPPINGS_DIR = shared_data_dir() / "crds-cache" / "mappings"
needs_shared_data = pytest.mark.skipif(
    not MAPPINGS_DIR.is_dir(), reason=f"shared CRDS data not found at {MAPPINGS_DIR}"
)


def _crds_available() -> bool:
    try:
        import crds.core.naming  # noqa: F401
    except Exception:
        return False
    return True


needs_oracle = pytest.mark.skipif(not _crds_available(), reason="crds 14.0.3 not installed")


def real_mapping_names(observatory: str | None = None) -> list[str]:
    pattern = f"{observatory}/*map" if observatory else "*/*map"
    return sorted(p.name for p in MAPPINGS_DIR.glob(pattern))


# ---- mapping names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("hst.pmap", ("hst", None, None, None)),
        ("hst_0729.pmap", ("hst", None, None, 729)),
        ("jwst_miri.imap", ("jwst", "miri", None, None)),
        ("jwst_nirspec_0192.imap", ("jwst", "nirspec", None, 192)),
        ("hst_acs_10000.imap", ("hst", "acs", None, 10000)),
        ("jwst_nircam_dark_0017.rmap", ("jwst", "nircam", "dark", 17)),
        ("jwst_nircam_dark.rmap", ("jwst", "nircam", "dark", None)),
        ("jwst_nirspec_pars-nrsmosmode_0003.rmap", ("jwst", "nirspec", "pars-nrsmosmode", 3)),
        ("./jwst_nircam_dark_0018.rmap", ("jwst", "nircam", "dark", 18)),
        ("/some/cache/mappings/roman/roman_wfi_0006.imap", ("roman", "wfi", None, 6)),
        ("tobs_tinstr_tfilekind.rmap", ("tobs", "tinstr", "tfilekind", None)),
    ],
)
def test_split_mapping_name(name: str, parts: tuple) -> None:
    assert split_mapping_name(name) == MappingNameParts(*parts)
    assert is_valid_mapping_name(name)
    assert is_valid_mapping_name(name, require_serial=True) == (parts[3] is not None)


@pytest.mark.parametrize(
    "name",
    [
        "jwst_na_omit.pmap",  # test file: 'na_omit' is no serial
        "hst_acs_darkfile_comment.rmap",
        "hst_acs_darkfile.pmap",  # too many parts for a pmap
        "hst.imap",  # too few parts for an imap
        "hst_acs.rmap",
        "HST_ACS_0001.imap",  # upper case
        "h_acs_0001.imap",  # observatory too short
        "hst_acs_0001.fits",
        "hst_acs_0001.imap.bak",
    ],
)
def test_split_mapping_name_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        split_mapping_name(name)
    assert not is_valid_mapping_name(name)


def test_mapping_regexes() -> None:
    assert MAPPING_NAME_RE.fullmatch("hst.pmap")
    assert not MAPPING_NAME_WITH_SERIAL_RE.fullmatch("hst.pmap")
    m = MAPPING_NAME_WITH_SERIAL_RE.fullmatch("jwst_nircam_dark_0017.rmap")
    assert m and m.group("serial") == "0017" and m.group("ext") == "rmap"
    assert m.group("filekind") == "dark"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("hst.pmap", "pipeline"), ("x/hst_acs.imap", "instrument"), ("a_b_c_0001.rmap", "reference")],
)
def test_mapping_kind(name: str, kind: str) -> None:
    assert mapping_kind(name) == kind
    assert is_mapping(name) and not is_reference(name)


def test_mapping_kind_rejects_references() -> None:
    with pytest.raises(ValueError):
        mapping_kind("jwst_nircam_dark_0040.fits")


@pytest.mark.parametrize(
    "name",
    ["a.fits", "A.FITS", "x.asdf", "x.json", "x.yaml", "x.text", "m3c10045u.r4h", "m3c10045u.r4d",
     "a.R9H", "/p/jwst_nircam_dark_0040.fits"],
)
def test_is_reference(name: str) -> None:
    assert is_reference(name) and not is_mapping(name)


@pytest.mark.parametrize(
    "name", ["a.txt", "a.yml", "a.r10h", "a.r4x", "a.fits.gz", "a.pmap", "jwst.PMAP", "fits"]
)
def test_is_not_reference(name: str) -> None:
    assert not is_reference(name)


@needs_shared_data
def test_real_mapping_names_decompose() -> None:
    """Every cached mapping decomposes, except the test files with words for serials."""
    failures = [n for n in real_mapping_names() if not is_valid_mapping_name(n)]
    assert failures == [
        "hst_acs_darkfile_badexpr.rmap", "hst_acs_darkfile_comment.rmap",
        "hst_acs_darkfile_invalid1.rmap", "hst_acs_darkfile_invalid2.rmap",
        "hst_acs_darkfile_missing_key.rmap", "hst_acs_darkfile_na_omit.rmap",
        "hst_acs_darkfile_phony_derive.rmap", "jwst_fgs_na.imap", "jwst_miri_omit.imap",
        "jwst_na_omit.pmap", "jwst_niriss_flat_na_omit.rmap", "jwst_niriss_na_omit.imap",
    ]
    official = [n for n in real_mapping_names() if MAPPING_NAME_WITH_SERIAL_RE.fullmatch(n)]
    assert len(official) == sum(is_valid_mapping_name(n, True) for n in real_mapping_names())
    assert len(official) > 4600


# ---- the local next-name generator ----------------------------------------------------------


def test_next_mapping_name_synthetic() -> None:
    existing = ["tobs_x_0005.imap", "tobs_y_0421.imap", "tobs_y_9999.imap",
                "tobs_z_0001.imap", "tobs_z_0002.imap", "tobs_u_0002.imap", "tobs_u_a_0003.imap"]
    assert next_mapping_name("tobs_x.imap", existing) == "./tobs_x_0006.imap"
    assert next_mapping_name("tobs_x_0001.imap", existing) == "./tobs_x_0006.imap"
    assert next_mapping_name("tobs_y_0421.imap", existing) == "./tobs_y_10000.imap"
    assert next_mapping_name("tobs_z.imap", existing, prefix="") == "tobs_z_0003.imap"
    assert next_mapping_name("tobs_q.imap", existing) == "./tobs_q_0001.imap"
    assert next_mapping_name("tobs_q_7.imap", existing) == "./tobs_q_7.imap"
    # '*' matches anything: tobs_u_a_0003 sorts last and supplies the serial.
    assert next_mapping_name("tobs_u.imap", existing) == "./tobs_u_0004.imap"


def test_next_mapping_name_errors() -> None:
    with pytest.raises(ValueError, match="no numeric serial"):
        next_mapping_name("tobs_w.imap", ["tobs_w_0001.imap", "tobs_w_abc.imap"])
    with pytest.raises(ValueError, match="already exists"):
        next_mapping_name("tobs_y_0421.imap",
                          ["tobs_y_0421.imap", "tobs_y_9999.imap", "tobs_y_10000.imap"])


@needs_shared_data
def test_next_mapping_name_observed() -> None:
    """The §8.1 observations against the real cache listing."""
    hst = real_mapping_names("hst")
    jwst = real_mapping_names("jwst")
    assert next_mapping_name("jwst_nircam_dark_0017.rmap", jwst) == "./jwst_nircam_dark_0018.rmap"
    assert "hst_acs_9999.imap" in hst
    assert next_mapping_name("hst_acs_0421.imap", hst) == "./hst_acs_10000.imap"
    assert next_mapping_name("hst.pmap", hst) == "./hst_0730.pmap"
    with pytest.raises(ValueError, match="jwst_na_omit.pmap"):
        next_mapping_name("jwst_0541.pmap", jwst)


_FAKE_NAME_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import crds.refactoring.newcontext as nc
    out = {}
    for name in json.loads(sys.argv[1]):
        try:
            out[name] = nc.fake_name(name)
        except BaseException as exc:
            out[name] = "ERROR " + type(exc).__name__
    print(json.dumps(out))
    """
)


@needs_oracle
@pytest.mark.oracle
def test_next_mapping_name_matches_oracle(tmp_path: Path) -> None:
    """crds' own local generator (refactoring.newcontext.fake_name) on a fake cache."""
    existing = ["tobs_x_0005.imap", "tobs_y_0421.imap", "tobs_y_9999.imap", "tobs_z_0001.imap",
                "tobs_z_0002.imap", "tobs_u_0002.imap", "tobs_u_a_0003.imap", "tobs_v_0009.imap",
                "tobs_v_0009.rmap", "tobs_0003.pmap", "tobs_w_0001.imap", "tobs_w_abc.imap"]
    mapdir = tmp_path / "mappings" / "tobs"
    mapdir.mkdir(parents=True)
    (tmp_path / "config" / "tobs").mkdir(parents=True)
    for name in existing:
        (mapdir / name).write_text("")
    names = ["tobs_x.imap", "tobs_x_0001.imap", "tobs_y_0421.imap", "tobs_z.imap",
             "tobs_z_0002.imap", "tobs_q.imap", "tobs_q_7.imap", "tobs_u.imap", "tobs_v_9.imap",
             "tobs.pmap", "tobs_0001.pmap", "tobs_v_0001.rmap", "tobs_w.imap"]
    env = dict(user_environment(), CRDS_PATH=str(tmp_path),
               CRDS_SERVER_URL="https://crds-serverless-mode.stsci.edu")
    proc = subprocess.run([sys.executable, "-c", _FAKE_NAME_SCRIPT, json.dumps(names)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    oracle = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in names:
        try:
            ours = next_mapping_name(name, existing)
        except ValueError:
            ours = "ERROR"
        expected = oracle[name]
        if expected.startswith("ERROR"):
            assert ours == "ERROR", (name, expected)
        else:
            assert ours == expected, name


# ---- reference names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("jwst_nircam_dark_0040.fits", ("jwst", "nircam", "dark", 40, ".fits")),
        ("roman_wfi_dark_0001.asdf", ("roman", "wfi", "dark", 1, ".asdf")),
        ("jwst_system_calver_0009.json", ("jwst", "system", "calver", 9, ".json")),
        ("roman_wfi_pars-exposurepipeline_0001.asdf",
         ("roman", "wfi", "pars-exposurepipeline", 1, ".asdf")),
        ("/x/jwst_miri_flat.fits", ("jwst", "miri", "flat", None, ".fits")),
    ],
)
def test_properties_from_reference_name(name: str, parts: tuple) -> None:
    assert properties_from_reference_name(name) == ReferenceNameParts(*parts)


@pytest.mark.parametrize("name", ["j4d1435ij_bia.fits", "m3c10045u.r4h", "jwst_nircam_dark_0040.rmap",
                                  "jwst_nircam_0040.fits", "jwst_nircam_dark_0040.txt"])
def test_properties_from_reference_name_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        properties_from_reference_name(name)


def _terminal_names(value: object, out: set[str]) -> None:
    if isinstance(value, SelectorCall):
        for v in value.entries.values():
            _terminal_names(v, out)
    elif isinstance(value, str):
        out.add(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _terminal_names(v, out)


def real_reference_names(observatory: str, limit_files: int | None = None) -> list[str]:
    names: set[str] = set()
    paths = sorted(MAPPINGS_DIR.glob(f"{observatory}/*.rmap"))
    memo: dict = {}
    for path in paths[-limit_files:] if limit_files else paths:
        try:
            parsed = parse_mapping_text(path.read_text(), path.name, memo)
        except Exception:
            continue
        _terminal_names(parsed.selector, names)
    return sorted(n for n in names if is_reference(n))


@needs_oracle
@needs_shared_data
@pytest.mark.oracle
def test_decomposition_matches_oracle() -> None:
    """Mapping and CRDS reference names split as crds' decompose_newstyle_name does."""
    from crds.jwst import locate as jwst_locate

    names = real_mapping_names("jwst") + real_reference_names("jwst")
    compared = 0
    for name in names:
        try:
            _, obs, instr, kind, serial, ext = jwst_locate.decompose_newstyle_name(name)
        except Exception:
            continue  # crds also checks the instrument/filekind against JWST's lists
        if serial and not serial.isdigit():
            continue  # crds calls 'na' in jwst_fgs_na.imap a serial; §8.1 serials are numbers
        expected = (obs, instr or None, kind or None, int(serial) if serial else None)
        if is_mapping(name):
            assert tuple(split_mapping_name(name)) == expected, name
        else:
            assert tuple(properties_from_reference_name(name)) == (*expected, ext), name
        compared += 1
    assert compared > 3000


@needs_oracle
def test_is_mapping_is_reference_match_oracle() -> None:
    from crds.core import config

    names = ["jwst_nircam_dark_0017.rmap", "x.fits", "m3c10045u.r4h", "m3c10045u.r4d", "a.asdf",
             "a.json", "a.yaml", "a.text", "a.txt", "a.r9h", "hst.pmap", "a.imap", "A.FITS",
             "x.Fits", "/a/b/jwst.pmap", "jwst.PMAP", "a.r10h", "a.r4x", "a.dat", "a.fits.gz",
             "a.yml", "a.pmap.bak", ".pmap", "hst_acs.imap", "./hst_acs_10000.imap", "a.R4H",
             "jwst_nircam_dark_0017.rmap.fits", "roman_wfi_dark_0001.asdf", "noext"]
    for name in names:
        assert is_mapping(name) == bool(config.is_mapping(name)), name
        assert is_reference(name) == bool(config.is_reference(name)), name


# ---- "newer" --------------------------------------------------------------------------------


def test_newer_rules() -> None:
    assert newer("jwst_nircam_dark_0041.fits", "jwst_nircam_dark_0040.fits")
    assert not newer("jwst_nircam_dark_0040.fits", "jwst_nircam_dark_0041.fits")
    assert not newer("jwst_nircam_dark_0040.fits", "jwst_nircam_dark_0040.fits")
    # A higher extension rank wins regardless of serial.
    assert newer("jwst_nircam_dark_0001.asdf", "jwst_nircam_dark_0041.fits")
    assert newer("jwst_nircam_dark_0001.fits", "jwst_nircam_dark_0041.r1h")
    assert newer("25e15318j_bia.fits", "j4d1435ij_bia.fits")  # new CDBS > old CDBS
    assert not newer("j4d1435ij_bia.fits", "25e15318j_bia.fits")
    assert newer("jwst_nircam_dark_0040.fits", "j4d1435ij_bia.fits")  # CRDS > old CDBS
    assert newer("o9t1525sj_bia.fits", "o3913216j_bia.fits")  # string order
    assert newer("x.fits", "N/A") and not newer("N/A", "x.fits") and not newer("N/A", "N/A")
    with pytest.raises(NameComparisonError):
        newer("jwst_nircam_dark_0040.fits", "25e15318j_bia.fits")


def test_name_helpers() -> None:
    assert [extension_rank(f"a{e}") for e in (".r4h", ".fits", ".json", ".yaml", ".asdf",
                                                ".text", ".FITS", "")] == [0, 1, 2, 3, 4, 5, 5, 5]
    assert name_serial("jwst_nircam_dark_0040.fits") == 40
    assert name_serial("jwst_nircam_dark.fits") == -1
    assert name_serial("jwst_nircam_dark_0001") == -1
    assert classify_name("jwst_nircam_dark_0040.fits") == "crds"
    assert classify_name("25e15318j_bia.fits") == "newcdbs"
    assert classify_name("j4d1435ij_bia.fits") == "oldcdbs"
    assert classify_name("m3c10045u.r4h") == "oldcdbs"


_NAME_POOL = [
    "jwst_nircam_dark_0040.fits", "jwst_nircam_dark_0041.fits", "jwst_miri_flat_0001.fits",
    "jwst_nircam_dark_0040.asdf", "jwst_nircam_dark_0001.json", "jwst_nircam_dark_0001.yaml",
    "jwst_nircam_dark_0040.text", "jwst_nircam_dark.fits", "jwst_nircam_dark_0040.r1h",
    "jwst_nircam_dark_0040.FITS", "roman_wfi_dark_0002.asdf", "hst_0001.pmap", "hst.pmap",
    "j4d1435ij_bia.fits", "o3913216j_bia.fits", "m3c10045u.r4h", "foo.fits", "bar.fits",
    "25e15318j_bia.fits", "1611234sj_drk.fits", "25E15318J_BIA.FITS", "N/A", "n/a", "OMIT",
    "x/N/A", "0.fits", "/x/y/jwst_nircam_dark_0002.fits", "jwstx_a.fits", "2_a.fits",
]


def _compare_newer_with_oracle(pairs: list[tuple[str, str]]) -> int:
    from crds.core import naming as crds_naming

    compared = 0
    for a, b in pairs:
        try:
            expected = bool(crds_naming.newer(a, b))
        except Exception:
            with pytest.raises(NameComparisonError):
                newer(a, b)
            continue
        assert newer(a, b) == expected, (a, b)
        compared += 1
    return compared


@needs_oracle
@pytest.mark.oracle
def test_newer_matches_oracle_on_pool() -> None:
    pairs = list(itertools.product(_NAME_POOL, repeat=2))
    assert _compare_newer_with_oracle(pairs) > 700


@needs_oracle
@needs_shared_data
@pytest.mark.oracle
def test_newer_matches_oracle_on_real_names() -> None:
    pool = real_reference_names("jwst", 60) + real_reference_names("hst", 25)
    pool += real_reference_names("roman")
    rng = random.Random(1234)
    pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(3000)]
    assert _compare_newer_with_oracle(pairs) > 1000


# ---- HST timestamp names --------------------------------------------------------------------


def test_hst_timestamp_name_examples() -> None:
    dt = datetime(2017, 6, 1, 12, 34, 56)
    assert hst_timestamp_name(dt, "acs", "drk", ".fits") == "1611234sj_drk.fits"
    assert hst_timestamp_name(dt, "WFC3", "bia", "fits") == "1611234si_bia.fits"
    assert hst_timestamp_name(datetime(2015, 1, 1), "cos", "phot")[0] == "z"
    assert hst_timestamp_name(datetime(2016, 1, 1), "cos", "phot")[0] == "0"
    assert hst_timestamp_name(datetime(2026, 12, 31, 23, 59, 59), "stis", "drk") == \
        "acv2359to_drk.fits"
    with pytest.raises(ValueError):
        hst_timestamp_name(dt, "nircam", "drk")


_SUFFIX_FOR_FILEKIND = {"darkfile": "drk", "biasfile": "bia", "flatfile": "flt",
                        "fluxtab": "phot", "thruput": "syn"}
_HST_FILEKINDS = {"acs": "darkfile", "wfc3": "biasfile", "stis": "darkfile", "cos": "fluxtab",
                  "wfpc2": "flatfile", "nicmos": "darkfile", "synphot": "thruput"}


@needs_oracle
@pytest.mark.oracle
@settings(max_examples=200, deadline=None)
@given(
    dt=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)),
    instrument=st.sampled_from(sorted(HST_INSTRUMENT_LETTERS)),
    ext=st.sampled_from([".fits", ".r4h"]),
)
def test_hst_timestamp_name_matches_oracle(dt: datetime, instrument: str, ext: str) -> None:
    from crds.hst import locate as hst_locate

    filekind = _HST_FILEKINDS[instrument]
    expected = hst_locate.generate_unique_name_core(instrument, filekind, ext, now=dt)
    assert hst_timestamp_name(dt, instrument, _SUFFIX_FOR_FILEKIND[filekind], ext) == expected

"""Differential tests: opencrds and the real crds 14.0.3 give the same best references.

Headers come from the rules themselves (opencrds.testing.headers), plus odd variants, plus the
edge cases of RULES.md §10. Results must be equal word for word; selector objects that leak into
results through CRDS's mixed-tie defect (RULES.md §3.2.7) are compared by their printed form.
"""

from __future__ import annotations

import logging
import random
import zlib

import pytest

import opencrds
from opencrds.testing.compare import outcome
from opencrds.testing.headers import headers_for_context

pytestmark = [pytest.mark.oracle, pytest.mark.shared_data]

CONTEXTS_ISSUE_2 = ["jwst_0541.pmap", "jwst_0400.pmap", "jwst_0200.pmap", "roman_0007.pmap",
                    "tobs.pmap"]
CONTEXTS_HST = ["hst_0729.pmap", "hst_0500.pmap", "hst_0250.pmap"]


@pytest.fixture(autouse=True)
def _quiet_warnings():
    logging.getLogger("opencrds").setLevel(logging.ERROR)
    yield
    logging.getLogger("opencrds").setLevel(logging.NOTSET)




def _compare(name: str, oracle_ctx, our_ctx, headers: list[tuple[str, dict]],
             full_every: int = 25) -> list[str]:
    problems = []
    for index, (filekind, header) in enumerate(headers):
        include = None if index % full_every == 0 else [filekind]
        expected = outcome(oracle_ctx.get_best_references, dict(header), include)
        actual = outcome(our_ctx.get_best_references, dict(header), include)
        if expected != actual:
            problems.append(f"{name} {header!r} include={include}\n  crds: {expected!r}\n"
                            f"  ours: {actual!r}")
    return problems


def _generated(context, seed: int, per_type: int) -> list[tuple[str, dict]]:
    return list(headers_for_context(context, random.Random(seed), per_type=per_type))


@pytest.mark.parametrize("context_name", CONTEXTS_ISSUE_2 + CONTEXTS_HST)
def test_generated_headers_match_crds(context_name, oracle_env, crds_cache):
    crds = oracle_env
    ours = opencrds.load_context(context_name, cache=crds_cache)
    theirs = crds.get_cached_mapping(context_name)
    headers = _generated(ours, seed=zlib.crc32(context_name.encode()), per_type=30)
    assert len(headers) >= (10 if context_name.startswith(("roman", "tobs")) else 1000)
    problems = _compare(context_name, theirs, ours, headers)
    assert not problems, f"{len(problems)} of {len(headers)} differ:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize("context_name", ["jwst_0541.pmap", "roman_0007.pmap", "hst_0729.pmap"])
def test_conditioned_lookup_matches_crds(context_name, oracle_env, crds_cache):
    """Layer C: the module-level lookup normalizes the header first (RULES.md §0)."""
    crds = oracle_env
    from crds.core import rmap as crds_rmap

    ours = opencrds.load_context(context_name, cache=crds_cache)
    headers = _generated(ours, seed=7, per_type=4)
    problems = []
    for _, header in headers:
        expected = outcome(crds_rmap.get_best_references, context_name, dict(header))
        actual = outcome(opencrds.get_best_references, ours, dict(header))
        if expected != actual:
            problems.append(f"{header!r}\n  crds: {expected!r}\n  ours: {actual!r}")
    assert crds is not None
    assert not problems, f"{len(problems)} of {len(headers)} differ:\n" + "\n".join(problems[:5])


# ---- RULES.md §10 edge cases on real contexts -------------------------------------------------

JH = {
    "META.INSTRUMENT.NAME": "NIRCAM",
    "META.INSTRUMENT.DETECTOR": "NRCA1",
    "META.SUBARRAY.NAME": "FULL",
    "META.OBSERVATION.DATE": "2023-01-01",
    "META.OBSERVATION.TIME": "00:00:00",
    "META.EXPOSURE.TYPE": "NRC_IMAGE",
}


def _jh(drop=(), **changes):
    header = {k: v for k, v in JH.items() if k not in drop}
    for key, value in changes.items():
        header[key.replace("__", ".")] = value
    return header


SYSTEM = {"META.INSTRUMENT.NAME": "SYSTEM", "META.OBSERVATION.DATE": "2023-01-01",
          "META.OBSERVATION.TIME": "00:00:00"}
ROMAN = {
    "ROMAN.META.INSTRUMENT.NAME": "WFI",
    "ROMAN.META.INSTRUMENT.DETECTOR": "WFI01",
    "ROMAN.META.EXPOSURE.TYPE": "WFI_IMAGE",
    "ROMAN.META.INSTRUMENT.OPTICAL_ELEMENT": "F158",
    "ROMAN.META.EXPOSURE.START_TIME": "2021-01-01 00:00:00",
}
NIRSPEC_REFPIX = {"META.INSTRUMENT.NAME": "NIRSPEC", "META.INSTRUMENT.DETECTOR": "NRS1",
                  "META.EXPOSURE.READPATT": "NRSIRS2RAPID", "META.SUBARRAY.NAME": "FULL",
                  "META.EXPOSURE.TYPE": "NRS_FIXEDSLIT", "META.OBSERVATION.DATE": "2023-01-01",
                  "META.OBSERVATION.TIME": "00:00:00"}

EDGE_CASES = [
    ("J01", "jwst_0541.pmap", JH, ["dark", "area", "pathloss"]),
    ("J02", "jwst_0541.pmap", _jh(META__INSTRUMENT__DETECTOR="nrca1"), ["dark"]),
    ("J04", "jwst_0541.pmap", _jh(drop=["META.SUBARRAY.NAME"]), ["dark", "gain"]),
    ("J05", "jwst_0541.pmap", _jh(META__SUBARRAY__NAME="UNDEFINED"), ["dark", "gain"]),
    ("J06", "jwst_0541.pmap", _jh(META__INSTRUMENT__DETECTOR="NRCFOO"), ["dark", "gain"]),
    ("J07", "jwst_0541.pmap", JH, ["pathloss", "nosuchtype"]),
    ("J08", "jwst_0541.pmap", _jh(META__INSTRUMENT__NAME="nircam"), ["gain"]),
    ("J09", "jwst_0541.pmap", _jh(drop=["META.INSTRUMENT.NAME"]), ["gain"]),
    ("J10", "jwst_0541.pmap", _jh(META__INSTRUMENT__NAME="FOO"), ["gain"]),
    ("J11", "jwst_0541.pmap", {**_jh(drop=["META.INSTRUMENT.NAME"]), "INSTRUME": "NIRCAM"},
     ["gain"]),
    ("J38", "jwst_0541.pmap", {**_jh(META__INSTRUMENT__NAME="UNDEFINED"), "INSTRUME": "NIRCAM"},
     ["gain"]),
    ("J12", "jwst_0541.pmap", _jh(META__SUBARRAY__NAME="SUB640"), ["dark", "gain"]),
    ("J13", "jwst_0541.pmap", _jh(META__SUBARRAY__NAME="GENERIC"), ["dark", "gain"]),
    ("J14", "jwst_0541.pmap", _jh(META__EXPOSURE__TYPE="NRC_GRISM"), ["area"]),
    ("J16", "jwst_0541.pmap", _jh(META__OBSERVATION__DATE="1899-01-01"), ["dark", "gain"]),
    ("J17", "jwst_0541.pmap", _jh(META__OBSERVATION__DATE="2023-01-01T00:00:00"), ["gain"]),
    ("J18", "jwst_0541.pmap", _jh(drop=["META.OBSERVATION.TIME"]), ["gain"]),
    ("J19", "jwst_0541.pmap", _jh(META__OBSERVATION__TIME="UNDEFINED"), ["gain"]),
    ("J20", "jwst_0541.pmap", _jh(META__OBSERVATION__DATE="2023-13-45"), ["gain"]),
    ("J21", "jwst_0541.pmap",
     _jh(META__OBSERVATION__DATE="2023/01/01", META__OBSERVATION__TIME="12:00"), ["gain"]),
    ("J22", "jwst_0541.pmap",
     _jh(META__OBSERVATION__DATE="Jan 01 2023", META__OBSERVATION__TIME="12:00:00.5"), ["gain"]),
    ("J23", "jwst_0541.pmap", _jh(META__INSTRUMENT__DETECTOR="*"), ["gain"]),
    ("J24", "jwst_0541.pmap", _jh(META__INSTRUMENT__DETECTOR="N/A"), ["gain"]),
    ("J26", "jwst_0541.pmap", {**SYSTEM, "META.CALIBRATION_SOFTWARE_VERSION": "0.7.0rc2"},
     ["calver"]),
    ("J27", "jwst_0541.pmap", {**SYSTEM, "META.CALIBRATION_SOFTWARE_VERSION": "0.7.0RC2"},
     ["calver"]),
    ("J32", "jwst_0541.pmap", {**SYSTEM, "META.CALIBRATION_SOFTWARE_VERSION": "0.12.3"},
     ["calver"]),
    *[(f"J28-{v}", "jwst_0541.pmap", {**SYSTEM, "META.CALIBRATION_SOFTWARE_VERSION": v},
       ["datalvl"]) for v in ("1.2.3", "0.5.9", "0.6.0.dev5", "abc")],
    ("J29", "jwst_0541.pmap", NIRSPEC_REFPIX, ["refpix"]),
    ("J31", "jwst_0541.pmap", JH, ["GAIN"]),
    *[(f"J34-{v}", "jwst_0541.pmap",
       _jh(META__EXPOSURE__TYPE="NRC_TSIMAGE", META__VISIT__TSOVISIT=v), ["tsophot"])
      for v in ("T", "TRUE", "F")],
    ("J36", "jwst_0541.pmap", _jh(META__SUBARRAY__NAME=640), ["dark", "gain"]),
    ("J37-none", "jwst_0541.pmap", JH, None),
    ("J37-empty", "jwst_0541.pmap", JH, []),
    ("R01", "roman_0007.pmap", ROMAN, None),
    *[(f"T-{case}-{value}", "tobs.pmap", {"INSTRUME": "TINSTR", "TEST_CASE": case,
                                          "PARAMETER": value}, None)
      for case, values in [
          ("SELECT_VERSION", ["4.5", "5", "2.0", "default"]),
          ("GEOMETRICALLY_NEAREST", ["1.0", "1.4", "3.25", "3.26", "foo"]),
          ("BRACKET", ["1.25", "1.2", "6.0", "1.0"]),
          ("bracket", ["1.0"]),
      ] for value in values],
    *[(f"T02-{d}", "tobs.pmap", {"INSTRUME": "TINSTR", "TEST_CASE": "CLOSEST_TIME",
                                 "DATE-OBS": d, "TIME-OBS": "00:00:00"}, None)
      for d in ("2016-05-05", "2018-02-02", "2019-03-01")],
    *[(f"T05-{t}", "tobs.pmap", {"INSTRUME": "TINSTR", "TEST_CASE": "USE_AFTER",
                                 "DATE-OBS": "2004-04-25", "TIME-OBS": t}, None)
      for t in ("21:31:01", "21:31:02")],
]


@pytest.mark.parametrize(("case", "context_name", "header", "include"), EDGE_CASES,
                         ids=[c[0] for c in EDGE_CASES])
def test_edge_cases_match_crds(case, context_name, header, include, oracle_env, crds_cache):
    crds = oracle_env
    ours = opencrds.load_context(context_name, cache=crds_cache)
    theirs = crds.get_cached_mapping(context_name)
    expected = outcome(theirs.get_best_references, dict(header), include)
    actual = outcome(ours.get_best_references, dict(header), include)
    assert actual == expected


def test_documented_answers(crds_cache):
    """A few RULES.md §10 answers checked without the oracle."""
    ctx = opencrds.load_context("jwst_0541.pmap", cache=crds_cache)
    assert ctx.get_best_references(JH, ["dark", "area", "pathloss"]) == {
        "dark": "jwst_nircam_dark_0040.fits",
        "area": "jwst_nircam_area_0017.fits",
        "pathloss": "NOT FOUND n/a",
    }
    with pytest.raises(opencrds.CrdsError, match="Unknown instrument 'foo' for context"):
        ctx.get_best_references(_jh(META__INSTRUMENT__NAME="FOO"))
    with pytest.raises(opencrds.CrdsError, match="Missing 'META.INSTRUMENT.NAME' keyword"):
        ctx.get_best_references(_jh(drop=["META.INSTRUMENT.NAME"]))
    roman = opencrds.load_context("roman_0007.pmap", cache=crds_cache)
    result = roman.get_best_references(ROMAN)
    assert result["epsf"] == "NOT FOUND sha1sum mismatch in 'roman_wfi_epsf_0001.rmap'"
    assert result["distortion"] == "roman_wfi_distortion_0001.asdf"


# ---- RULES.md §10.2 HST edge cases (conditioned lookups, layer C) -------------------------------

AH = {
    "INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "CCDGAIN": "2.0", "APERTURE": "WFC1",
    "NAXIS1": "4144", "NAXIS2": "4136", "LTV1": "24.0", "LTV2": "0.0", "XCORNER": "0",
    "YCORNER": "0", "CCDCHIP": "1", "OBSTYPE": "IMAGING", "FILTER1": "F606W",
    "FILTER2": "CLEAR2L", "FLASHCUR": "OFF", "SHUTRPOS": "A", "FW1OFFST": "0", "FW2OFFST": "0",
    "FWSOFFST": "0", "DATE-OBS": "2017-06-01", "TIME-OBS": "00:00:00",
    **{f"{step}CORR": "PERFORM" for step in (
        "ATOD", "BIAS", "DARK", "FLAT", "SHAD", "PHOT", "CRC", "DQI", "GLIN", "LFLG", "PCTE",
        "DRIZ", "EXPSCOR", "FLSH", "RPT", "SINK")},
    **{f"{step}CORR": "OMIT" for step in ("FLSH", "SHAD", "ATOD", "RPT", "GLIN")},
}


def _ah(drop=(), **changes):
    header = {k: v for k, v in AH.items() if k not in drop}
    header.update({k.replace("_", "-") if k in ("DATE_OBS", "TIME_OBS") else k: v
                   for k, v in changes.items()})
    return header


COS_GSAG = {"INSTRUME": "COS", "DETECTOR": "FUV", "OPT_ELEM": "G130M", "CENWAVE": "1055",
            "LIFE_ADJ": "4.0", "DATE-OBS": "2020-01-01", "TIME-OBS": "00:00:00"}
WFPC2 = {"INSTRUME": "WFPC2", "MODE": "FULL", "FILTER1": "33", "FILTER2": "0",
         "IMAGETYP": "EXT", "FILTNAM1": "F555W", "FILTNAM2": "FR533N", "LRFWAVE": "4000",
         "DATE-OBS": "1997-01-01", "TIME-OBS": "00:00:00", "ATODGAIN": "7", "SERIALS": "OFF",
         "SHUTTER": "A"}

HST_CASES = [
    ("H01", AH, ["biasfile", "darkfile"]),
    ("H03", _ah(CCDGAIN="2"), ["darkfile"]),
    ("H04", _ah(DETECTOR="SBC", CCDAMP="N/A", CCDGAIN="N/A", APERTURE="SBC"),
     ["biasfile", "ccdtab", "darkfile"]),
    ("H05", _ah(BIASCORR="OMIT"), ["biasfile"]),
    ("H06", _ah(drop=["BIASCORR"]), ["biasfile"]),
    ("H07", _ah(DATE_OBS="2005-01-01", CCDAMP="A", NAXIS2="2068", XCORNER="1", YCORNER="1"),
     ["biasfile"]),
    ("H08", _ah(APERTURE="WFC1-CUSTOM", NAXIS1="1000", NAXIS2="1000", LTV1="-100", LTV2="-100",
                XCORNER="5", YCORNER="5"), ["biasfile"]),
    ("H09", _ah(CCDGAIN="1.4"), ["biasfile", "darkfile"]),
    ("H10", _ah(CCDGAIN="3.0"), ["biasfile", "darkfile"]),
    ("H11", _ah(FILTER1="FNOPE"), ["dgeofile", "idctab"]),
    ("H12", COS_GSAG, ["gsagtab", "hvtab"]),
    ("H13", {**COS_GSAG, "CENWAVE": "1097"}, ["gsagtab"]),
    *[(f"H14-{w}", {**WFPC2, "LRFWAVE": w}, ["flatfile"]) for w in ("4000", "4200", "4200.5",
                                                                     "12000")],
    *[(f"H14-area-{a}{b}", {**WFPC2, "MODE": "AREA", "FILTER1": a, "FILTER2": b}, ["flatfile"])
      for a, b in (("4", "5"), ("5", "4"), ("5", "7"))],
    *[(f"H15-{i}", {"INSTRUME": i, "MODE": "FULL", "ATODGAIN": "7", "DATE-OBS": "1997-01-01",
                    "TIME-OBS": "00:00:00"}, ["biasfile"]) for i in ("WFII", "wfpc2")],
    ("H16", {"INSTRUME": "SYNPHOT", "COMPNAME": "ACS_BLOCK1", "DATE-OBS": "2020-01-01",
             "TIME-OBS": "00:00:00"}, ["thruput"]),
    ("H18", _ah(drop=["DATE-OBS"]), ["darkfile"]),
    ("H25", _ah(drop=["DATE-OBS"]), ["biasfile"]),
    *[(f"H19-{t}", _ah(DATE_OBS="2016-09-25", TIME_OBS=t), ["biasfile"])
      for t in ("02:15:05", "02:15:04")],
    ("H20", _ah(DATE_OBS="2017-06-01T00:00:00"), ["biasfile", "darkfile"]),
    ("H21", _ah(DETECTOR=" wfc ", CCDAMP="abcd"), ["darkfile"]),
    ("H22", _ah(CCDGAIN=2, NAXIS1=4144.0), ["darkfile"]),
    ("H23", AH, None),
    ("H24", {k.lower(): v for k, v in AH.items()}, ["darkfile"]),
]


@pytest.mark.parametrize(("case", "header", "include"), HST_CASES, ids=[c[0] for c in HST_CASES])
def test_hst_edge_cases_match_crds(case, header, include, oracle_env, crds_cache):
    from crds.core import rmap as crds_rmap

    ours = opencrds.load_context("hst_0729.pmap", cache=crds_cache)
    expected = outcome(crds_rmap.get_best_references, "hst_0729.pmap", dict(header), include)
    actual = outcome(opencrds.get_best_references, ours, dict(header), include)
    assert actual == expected
    # Layer M on the same header, too.
    theirs_m = oracle_env.get_cached_mapping("hst_0729.pmap")
    assert outcome(ours.get_best_references, dict(header), include) == outcome(
        theirs_m.get_best_references, dict(header), include)

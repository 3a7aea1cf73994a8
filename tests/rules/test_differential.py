"""Differential tests: opencrds and the real crds 14.0.3 give the same best references.

Headers come from the rules themselves (opencrds.testing.headers), plus odd variants, plus the
edge cases of RULES.md §10. Results must be equal word for word; selector objects that leak into
results through CRDS's mixed-tie defect (RULES.md §3.2.7) are compared by their printed form.
"""

from __future__ import annotations

import logging
import random
import zlib
from typing import Any

import pytest

import opencrds
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


def _plain(value: Any) -> Any:
    """A comparable form of a result: selector objects become their printed form."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return repr(value)


def _outcome(function, *args) -> Any:
    """The result of ``function(*args)``, or ('raised', message) — class names differ."""
    try:
        return _plain(function(*args))
    except Exception as exc:  # the message is what must agree
        message = str(exc)
        return ("raised", message)


def _compare(name: str, oracle_ctx, our_ctx, headers: list[tuple[str, dict]],
             full_every: int = 25) -> list[str]:
    problems = []
    for index, (filekind, header) in enumerate(headers):
        include = None if index % full_every == 0 else [filekind]
        expected = _outcome(oracle_ctx.get_best_references, dict(header), include)
        actual = _outcome(our_ctx.get_best_references, dict(header), include)
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
        expected = _outcome(crds_rmap.get_best_references, context_name, dict(header))
        actual = _outcome(opencrds.get_best_references, ours, dict(header))
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
    expected = _outcome(theirs.get_best_references, dict(header), include)
    actual = _outcome(ours.get_best_references, dict(header), include)
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

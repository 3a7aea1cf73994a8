"""JWST header completion (FITS keyword <-> data-model path synonyms), rules from crds 14.0.3."""

from __future__ import annotations

import json

import pytest

from opencrds.io import read_header
from opencrds.io.crossstrap import cross_strap, header_instrument, is_jwst_header

BASE = {"FILE_FORMAT": "JSON"}


def read_json(text_file, document):
    return read_header(text_file("h.json", json.dumps(document)))


@pytest.mark.parametrize(("document", "expected"), [
    # a defined value never overwrites another defined value, even a different one
    ({"meta": {"instrument": {"name": "miri", "detector": "A"}}, "detector": "B"},
     {"META.INSTRUMENT.NAME": "miri", "META.INSTRUMENT.DETECTOR": "A", "DETECTOR": "B",
      "INSTRUME": "miri", "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri"}),
    # META.INSTRUMENT.NAME beats INSTRUME as the value given to INSTRUMENT / TYPE
    ({"instrume": "nircam", "meta": {"instrument": {"name": "miri"}}},
     {"INSTRUME": "nircam", "META.INSTRUMENT.NAME": "miri", "INSTRUMENT": "miri",
      "META.INSTRUMENT.TYPE": "miri"}),
    ({"instrument": "fgs", "instrume": "nircam"},
     {"INSTRUMENT": "fgs", "INSTRUME": "nircam", "META.INSTRUMENT.NAME": "nircam",
      "META.INSTRUMENT.TYPE": "nircam"}),
    # pairs apply once, in order: INSTRUME is not derived from a later synonym
    ({"meta": {"instrument": {"type": "niriss"}}},
     {"META.INSTRUMENT.TYPE": "niriss", "META.INSTRUMENT.NAME": "niriss"}),
    ({"instrument": "niriss"},
     {"INSTRUMENT": "niriss", "META.INSTRUMENT.NAME": "niriss", "META.INSTRUMENT.TYPE": "niriss"}),
    ({"instrume": "miri", "descrip": "d1", "description": "d2"},
     {"INSTRUME": "miri", "DESCRIP": "d1", "DESCRIPTION": "d2", "META.INSTRUMENT.NAME": "miri",
      "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri", "META.DESCRIPTION": "d1"}),
    ({"instrume": "miri", "calibration_software_version": "2.0"},
     {"INSTRUME": "miri", "CALIBRATION_SOFTWARE_VERSION": "2.0", "META.INSTRUMENT.NAME": "miri",
      "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri",
      "META.CALIBRATION_SOFTWARE_VERSION": "2.0"}),
    # UNDEFINED counts as missing, on either side
    ({"instrume": "miri", "detector": "UNDEFINED", "meta": {"instrument": {"detector": "X"}}},
     {"INSTRUME": "miri", "DETECTOR": "X", "META.INSTRUMENT.DETECTOR": "X",
      "META.INSTRUMENT.NAME": "miri", "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri"}),
    ({"instrume": "miri", "meta": {"instrument": {"detector": "UNDEFINED"}}},
     {"INSTRUME": "miri", "META.INSTRUMENT.DETECTOR": "UNDEFINED", "META.INSTRUMENT.NAME": "miri",
      "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri"}),
    # schema pairs: DATE-OBS, DATAMODL; pattern keywords are not translated
    ({"instrume": "miri", "date-obs": "2020-01-01", "datamodl": "M", "p_exp_ty": "X|"},
     {"INSTRUME": "miri", "DATE-OBS": "2020-01-01", "DATAMODL": "M", "P_EXP_TY": "X|",
      "META.INSTRUMENT.NAME": "miri", "INSTRUMENT": "miri", "META.INSTRUMENT.TYPE": "miri",
      "META.OBSERVATION.DATE": "2020-01-01", "META.MODEL_TYPE": "M"}),
    # not JWST: nothing is added
    ({"instrume": "ACS", "meta": {"instrument": {"name": "miri"}}},
     {"INSTRUME": "ACS", "META.INSTRUMENT.NAME": "miri"}),
    ({"instrume": "Miri "}, {"INSTRUME": "Miri "}),
    ({"instrume": "", "meta": {"instrument": {"name": "miri"}}},
     {"INSTRUME": "", "META.INSTRUMENT.NAME": "miri"}),
    ({"telescop": "JWST", "detector": "NRCA1"}, {"TELESCOP": "JWST", "DETECTOR": "NRCA1"}),
])
def test_cross_strap_rules(text_file, document, expected):
    assert read_json(text_file, document) == {**expected, **BASE}


@pytest.mark.parametrize(("header", "instrument", "jwst"), [
    ({"INSTRUME": "UNDEFINED", "META.INSTRUMENT.NAME": "miri"}, "miri", True),
    ({"INSTRUMENT": "acs", "META.INSTRUMENT.NAME": "miri"}, "miri", True),
    ({"INSTRUMENT": "miri", "META.INSTRUMENT.NAME": "acs"}, "acs", False),
    ({"META.INSTRUMENT.TYPE": "SYSTEM"}, "SYSTEM", True),
    ({"INSTRUME": "ALL"}, "ALL", True),
    ({"INSTRUME": "GUIDER"}, "GUIDER", False),
    ({"INSTRUME": "WFI"}, "WFI", False),
    ({}, None, False),
])
def test_instrument_detection(header, instrument, jwst):
    assert header_instrument(header) == instrument
    assert is_jwst_header(header) is jwst


def test_schema_pairs_both_ways():
    header = {"INSTRUME": "NIRSPEC", "SUBSTRT1": "1", "META.SUBARRAY.YSIZE": "4", "TIMESYS": "UTC"}
    cross_strap(header)
    assert header["META.SUBARRAY.XSTART"] == "1"
    assert header["SUBSIZE2"] == "4"
    assert header["META.TIME_SYS"] == "UTC"


def test_needed_keys_are_restricted_before_completion(raw_fits):
    primary = ["SIMPLE  =                    T", "BITPIX  =                    8",
               "NAXIS   =                    0", "INSTRUME= 'MIRI'", "DETECTOR= 'MIRIMAGE'"]
    path = raw_fits("j.fits", primary)
    assert read_header(path, ["META.INSTRUMENT.DETECTOR"]) == {
        "META.INSTRUMENT.DETECTOR": "UNDEFINED", "FILE_FORMAT": "FITS"}
    assert read_header(path, ["META.INSTRUMENT.NAME", "INSTRUME"]) == {
        "INSTRUME": "MIRI", "META.INSTRUMENT.NAME": "MIRI", "INSTRUMENT": "MIRI",
        "META.INSTRUMENT.TYPE": "MIRI", "FILE_FORMAT": "FITS"}
    full = read_header(path)
    assert full["META.INSTRUMENT.DETECTOR"] == "MIRIMAGE"

"""JWST stand-ins for the uncopied all_all.tpn / <instrument>_all.tpn, and pattern keywords."""

from __future__ import annotations

import pytest

from opencrds.certify import jwst_core

pytest.importorskip("stdatamodels")


def test_pattern_keywords() -> None:
    header = {"P_DETECT": "MIRIFUSHORT|FOO|", "DETECTOR": "MIRIMAGE",
              "META.INSTRUMENT.DETECTOR": "MIRIMAGE", "P_DETEC": "X"}
    assert jwst_core.untranslated_patterns(header) == ["P_DETEC"]
    translated, infos = jwst_core.translate_patterns(header)
    assert translated["META.INSTRUMENT.DETECTOR"] == "MIRIFUSHORT|FOO"
    assert translated["DETECTOR"] == "MIRIFUSHORT|FOO"
    assert len(infos) == 1 and "'P_DETECT'" in infos[0]
    tree, _ = jwst_core.translate_patterns({"META.EXPOSURE.P_EXPTYPE": "NIS_IMAGE|NIS_AMI|"})
    assert tree["META.EXPOSURE.TYPE"] == "NIS_IMAGE|NIS_AMI"


def test_enumerations() -> None:
    by_name = {c.name: c for c in jwst_core.enum_constraints()}
    detector = by_name["META.INSTRUMENT.DETECTOR"]
    assert detector.presence == "O"
    assert {"NIS", "MIRIMAGE", "ANY", "N/A"} <= set(detector.values)


def test_datamodels_file_types() -> None:
    assert jwst_core.datamodels_problem("x.fits", "FITS", "ipc") is None
    assert jwst_core.datamodels_problem("x.tmp", "ASDF", "wavecorr") == (
        "JWST Data Models: Unrecognized file type for: x.tmp")
    assert jwst_core.datamodels_problem("x.tmp", "JSON", "distortion") is None
    assert jwst_core.datamodels_problem("x.tmp", "ASDF", "pars-tweakreg") is None

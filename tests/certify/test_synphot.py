"""Synphot validators: graph connectivity, lookup FILENAME form, component file versions."""

from __future__ import annotations

import numpy as np

from opencrds.certify.constraints import ArrayInfo
from opencrds.certify.synphot import (
    check_array,
    disconnected_rows,
    filename_problem,
    filename_version,
)


def _collect() -> tuple[list[tuple[str, str]], object]:
    found: list[tuple[str, str]] = []
    return found, lambda level, message: found.append((level, message))


def test_disconnected_rows() -> None:
    assert disconnected_rows([1, 1, 30, 20], [30, 20, 2000, 30]) == []
    assert disconnected_rows([1, 1, 30, 99998], [30, 20, 2000, 99999]) == [3]


def test_lookup_filenames() -> None:
    assert filename_problem("acs_block1", "cracscomp$acs_block1_002_syn.fits") is None
    assert filename_problem("clear", "crotacomp$clear_003_syn.fits") is None
    assert filename_problem("eso_u", "crnonhstcomp$eso_u_001_syn.fits") is None
    assert filename_problem("nic1_bend", "crnicmoscomp$nic2_bend_001_th.fits") is None
    assert filename_problem("acs_block1", "2mass_ks_001_syn.fits") == (
        "missing or invalid path prefix")
    assert filename_problem("boa", "crcoscomp$cos_boa_002_syn.fits") == (
        "missing or invalid path prefix")
    assert filename_problem("cosmcp_g140lc1105m",
                            "crcoscomp$cos_mcp_g140lc1105_mjd_016_syn.fits") == (
        "should be parametrized")
    assert filename_problem("acs_hrc_ccd_mjd",
                            "cracscomp$acs_hrc_ccd_mjd_016_syn.fits[mjd#]") is None


def test_component_versions() -> None:
    assert filename_version("acs_f555w_hrc_006_syn.fits", "syn") == 6
    assert filename_version("hst_synphot_new_syn.fits", "syn") is None
    table = np.rec.fromarrays([np.array([0.0, 0.5, 0.0])], names="THROUGHPUT")
    found, report = _collect()
    assert check_array("SYNPHOT_THROUGHPUT", "acs_f555w_hrc_006_syn.fits",
                       {"COMPNAME": "acs_f555w_hrc"}, ArrayInfo(DATA=table), report,
                       lambda kind, comp: ["acs_f555w_hrc_006_syn.fits"])
    assert [level for level, _ in found] == ["ERROR"]
    assert "must exceed previous version (006)" in found[0][1]
    found.clear()
    check_array("SYNPHOT_THROUGHPUT", "acs_f555w_hrc_007_syn.fits",
                {"COMPNAME": "acs_f555w_hrc"}, ArrayInfo(DATA=table), report,
                lambda kind, comp: ["acs_f555w_hrc_006_syn.fits"])
    assert found == []
    assert not check_array("KERNELUNITY", "x.fits", {}, ArrayInfo(), report)

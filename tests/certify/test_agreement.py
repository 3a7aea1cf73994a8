"""``certify`` agrees with ``crds certify`` (14.0.3, run with ``-z``) on every file of the test
data: same verdict per file (errors / warnings / ok).

``data/crds_verdicts.json`` holds the verdicts of the real tool, recorded by running
``crds certify --<obs> -z FILE`` offline against the shared cache (top-level files without an
observatory switch). ``test_live_oracle`` re-checks a small sample against the installed tool.
``hst/synphot_thruput.rmap`` was re-recorded as "warnings": re-run as above, crds reports 995
"Rule change" warnings against hst_synphot_thruput_0004.rmap (it needs minutes for this file),
where "ok" had been recorded.
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

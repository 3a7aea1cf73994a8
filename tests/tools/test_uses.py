"""``opencrds uses`` against ``crds uses`` (black box) on the real cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CACHE = Path("/work/shared/data/crds-cache")
BIN = Path(sys.executable).parent
ENV = {**os.environ, "CRDS_PATH": str(CACHE), "CRDS_MODE": "local",
       "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
pytestmark = pytest.mark.skipif(not (CACHE / "mappings").exists(), reason="real cache missing")


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], env=ENV, capture_output=True, text=True,
                          timeout=300)


def test_jwst_reference_like_crds() -> None:
    ours = run("opencrds", "uses", "--files", "jwst_miri_flat_0003.fits")
    assert ours.returncode == 0, ours.stderr
    assert "jwst_0001.pmap" in ours.stdout.split()
    if (BIN / "crds").exists():
        oracle = run("crds", "uses", "--files", "jwst_miri_flat_0003.fits")
        assert ours.stdout == oracle.stdout


def test_hst_transitive_and_include_used() -> None:
    proc = run("opencrds", "uses", "--files", "s7g1700gl_dead.fits", "-i")
    lines = proc.stdout.splitlines()
    assert "s7g1700gl_dead.fits hst_cos_deadtab_0250.rmap" in lines
    assert "s7g1700gl_dead.fits hst_0729.pmap" in lines
    assert lines == sorted(lines)
    bad = run("opencrds", "uses", "--files", "bad name;rm")
    assert bad.returncode == 1 and bad.stderr.count("ERROR") == 1

"""``opencrds list --file-properties`` answers from the name, as ``crds list`` 14.0.3 does:
files need not be in the cache. Output compared whole (the exit status is the number of ERROR
lines, a listed divergence)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

CASES = [
    # CRDS-style names (none of these references is in the shared cache), mappings, a path
    ([], ["jwst_nircam_dark_0040.fits", "jwst_miri_flat_0001.fits", "jwst_0541.pmap",
          "jwst_nircam.imap", "jwst/niriss_ref_photom.fits"]),
    # HST names: from the default context's rmaps, else the file (missing ones are errors)
    (["-H"], ["z2d19237l_1dx.fits", "s7g1700gl_dead.fits", "hst/s7g1700gl_dead.fits",
              "n3o1059hj_drk.fits", "u1h1445ns_drk.fits", "x.fits"]),
]


def run(tool: str, cache: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(cache), CRDS_READONLY_CACHE="1")
    return subprocess.run([str(BIN / tool), "list", *argv], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300, check=False)


@pytest.mark.parametrize(("switches", "names"), CASES)
def test_file_properties_as_crds(oracle_env, crds_cache: Path, crds_test_data: Path,
                                 switches: list[str], names: list[str]) -> None:
    argv = [*switches, "--file-properties", *names]
    ours = run("opencrds", crds_cache, crds_test_data, *argv)
    theirs = run("crds", crds_cache, crds_test_data, *argv)
    assert (ours.stdout, ours.stderr) == (theirs.stdout, theirs.stderr)
    assert ours.returncode == ours.stderr.count(" - ERROR - ")
    if not switches:  # answered from the name: the file is not in the cache
        assert "nircam dark jwst_nircam_dark_0040.fits" in ours.stdout

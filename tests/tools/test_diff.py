"""``opencrds diff`` against ``crds diff`` (black box) on real consecutive contexts."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CACHE = Path("/work/shared/data/crds-cache")
TEST_DATA = Path("/work/shared/data/crds-test-data")
BIN = Path(sys.executable).parent
ENV = {**os.environ, "CRDS_PATH": str(CACHE), "CRDS_MODE": "local",
       "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
pytestmark = pytest.mark.skipif(not (CACHE / "mappings").exists(), reason="real cache missing")


def run(tool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("old,new", [("hst_0728.pmap", "hst_0729.pmap"),
                                     ("jwst_0540.pmap", "jwst_0541.pmap"),
                                     ("jwst_0526.pmap", "jwst_0541.pmap")])
def test_contexts_like_crds(old: str, new: str) -> None:
    ours = run("opencrds", "diff", f"crds://{old}", f"crds://{new}")
    assert ours.returncode == 1, ours.stderr
    parsed = [ast.literal_eval(line) for line in ours.stdout.splitlines()]
    assert parsed and all(d[0][0].endswith(old) and d[0][1].endswith(new) for d in parsed)
    if not (BIN / "crds").exists():
        return
    oracle = run("crds", "diff", f"crds://{old}", f"crds://{new}")
    assert oracle.returncode == 1
    assert parsed == [ast.literal_eval(line) for line in oracle.stdout.splitlines()]


def test_rmap_text_diff_and_exit_codes(tmp_path: Path) -> None:
    rmap = CACHE / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap"
    shutil.copy(rmap, tmp_path / "a.rmap")
    (tmp_path / "b.rmap").write_text(rmap.read_text().replace("s7g1700gl", "s7g1700gm"))
    proc = run("opencrds", "diff", "a.rmap", "b.rmap", "-T", cwd=tmp_path)
    assert proc.returncode == 1
    assert ("(('./a.rmap', './b.rmap'), ('FUV',), ('1996-10-01', '00:00:00'), "
            "'replaced s7g1700gl_dead.fits with s7g1700gm_dead.fits')") in proc.stdout
    assert "*** ./a.rmap" in proc.stdout
    assert run("opencrds", "diff", "a.rmap", "a.rmap", cwd=tmp_path).returncode == 0
    missing = run("opencrds", "diff", "a.rmap", "nothere.rmap", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("ERROR") == 1


@pytest.mark.skipif(not TEST_DATA.exists(), reason="test data missing")
def test_fits_diff() -> None:
    a, b = TEST_DATA / "test-source.fits", TEST_DATA / "test-change-row1-valueLeft.fits"
    proc = run("opencrds", "diff", str(a), str(b))
    assert proc.returncode == 1
    assert "fitsdiff" in proc.stdout
    assert run("opencrds", "diff", str(a), str(a)).returncode == 0

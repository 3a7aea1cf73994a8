"""``opencrds diff`` against ``crds diff`` (black box) on real consecutive contexts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tool_runs import BIN, run


@pytest.mark.parametrize("old,new", [("hst_0728.pmap", "hst_0729.pmap"),
                                     ("jwst_0540.pmap", "jwst_0541.pmap"),
                                     ("jwst_0526.pmap", "jwst_0541.pmap")])
def test_contexts_like_crds(env: dict[str, str], old: str, new: str) -> None:
    ours = run(env, "opencrds", "diff", f"crds://{old}", f"crds://{new}")
    assert ours.returncode == 1, ours.stderr
    lines = ours.stdout.splitlines()
    assert lines and all(line.startswith("(('") for line in lines)
    if not (BIN / "crds").exists():
        return
    oracle = run(env, "crds", "diff", f"crds://{old}", f"crds://{new}")
    assert oracle.returncode == 1
    # the whole output, line for line in crds's order
    assert lines == oracle.stdout.splitlines()
    assert ours.stderr.splitlines() == oracle.stderr.splitlines()


def test_rmap_text_diff_and_exit_codes(env: dict[str, str], crds_cache: Path,
                                       tmp_path: Path) -> None:
    rmap = crds_cache / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap"
    shutil.copy(rmap, tmp_path / "a.rmap")
    (tmp_path / "b.rmap").write_text(rmap.read_text().replace("s7g1700gl", "s7g1700gm"))
    proc = run(env, "opencrds", "diff", "a.rmap", "b.rmap", "-T", cwd=tmp_path)
    assert proc.returncode == 1
    assert ("(('./a.rmap', './b.rmap'), ('FUV',), ('1996-10-01', '00:00:00'), "
            "'replaced s7g1700gl_dead.fits with s7g1700gm_dead.fits')") in proc.stdout
    assert "*** ./a.rmap" in proc.stdout
    if (BIN / "crds").exists():
        oracle = run(env, "crds", "diff", "a.rmap", "b.rmap", "-T", cwd=tmp_path)
        assert (proc.returncode, proc.stdout.splitlines()) == \
            (oracle.returncode, oracle.stdout.splitlines())
    assert run(env, "opencrds", "diff", "a.rmap", "a.rmap", cwd=tmp_path).returncode == 0
    missing = run(env, "opencrds", "diff", "a.rmap", "nothere.rmap", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("ERROR") == 1


def test_fits_diff(env: dict[str, str], crds_test_data: Path) -> None:
    a = crds_test_data / "test-source.fits"
    b = crds_test_data / "test-change-row1-valueLeft.fits"
    proc = run(env, "opencrds", "diff", str(a), str(b))
    assert proc.returncode == 1
    assert "fitsdiff" in proc.stdout
    assert run(env, "opencrds", "diff", str(a), str(a)).returncode == 0

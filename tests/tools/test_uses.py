"""``opencrds uses`` against ``crds uses`` (black box) on the real cache."""

from __future__ import annotations

from tool_runs import BIN, run


def test_jwst_reference_like_crds(env: dict[str, str]) -> None:
    ours = run(env, "opencrds", "uses", "--files", "jwst_miri_flat_0003.fits")
    assert ours.returncode == 0, ours.stderr
    assert "jwst_0001.pmap" in ours.stdout.split()
    if (BIN / "crds").exists():
        oracle = run(env, "crds", "uses", "--files", "jwst_miri_flat_0003.fits")
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (oracle.returncode, oracle.stdout, oracle.stderr)


def test_hst_transitive_and_include_used(env: dict[str, str]) -> None:
    proc = run(env, "opencrds", "uses", "--files", "s7g1700gl_dead.fits", "-i")
    lines = proc.stdout.splitlines()
    assert "s7g1700gl_dead.fits hst_cos_deadtab_0250.rmap" in lines
    assert "s7g1700gl_dead.fits hst_0729.pmap" in lines
    assert lines == sorted(lines)
    bad = run(env, "opencrds", "uses", "--files", "bad name;rm")
    assert bad.returncode == 1 and bad.stderr.count("ERROR") == 1

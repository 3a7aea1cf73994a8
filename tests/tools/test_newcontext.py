"""``opencrds newcontext`` against ``crds newcontext`` (black box); the result loads and selects."""

from __future__ import annotations

import shutil
from pathlib import Path

from tool_runs import BIN, run


def deadtab(crds_cache: Path) -> Path:
    return crds_cache / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap"


def new_rmap(crds_cache: Path, directory: Path) -> None:
    """hst_cos_deadtab_0251.rmap: 0250 plus s7g1700hl_dead.fits for FUV after 1997-10-01."""
    text = deadtab(crds_cache).read_text().replace(
        "        '1996-10-01 00:00:00' : 's7g1700gl_dead.fits',\n",
        "        '1996-10-01 00:00:00' : 's7g1700gl_dead.fits',\n"
        "        '1997-10-01 01:01:01' : 's7g1700hl_dead.fits',\n", 1)
    from opencrds.rules.checksum import update_checksum

    (directory / "hst_cos_deadtab_0251.rmap").write_text(update_checksum(text))



def test_like_crds_and_selects(env: dict[str, str], crds_cache: Path, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for d in (ours, theirs):
        d.mkdir()
        new_rmap(crds_cache, d)
    proc = run(env, "opencrds", "newcontext", "hst_0729.pmap", "hst_cos_deadtab_0251.rmap", cwd=ours)
    assert proc.returncode == 0, proc.stderr
    assert "producing './hst_0730.pmap'" in proc.stderr
    written = sorted(p.name for p in ours.iterdir())
    assert written == ["hst_0730.pmap", "hst_cos_0307.imap", "hst_cos_deadtab_0251.rmap"]
    if (BIN / "crds").exists():
        oracle = run(env, "crds", "newcontext", "hst_0729.pmap", "hst_cos_deadtab_0251.rmap",
                     cwd=theirs)
        assert oracle.returncode == 0, oracle.stderr
        for name in written:
            assert (ours / name).read_text() == (theirs / name).read_text(), name
        assert proc.stderr == oracle.stderr
    from opencrds.client.contexts import load_context

    pmap = load_context(ours / "hst_0730.pmap", cache=crds_cache)
    header = {"INSTRUME": "COS", "DETECTOR": "FUV", "DATE-OBS": "2000-01-01",
              "TIME-OBS": "00:00:00", "DEADCORR": "PERFORM"}
    best = pmap.get_best_references(header, ["deadtab"])
    assert best["deadtab"] == "s7g1700hl_dead.fits"


def test_na_type_and_bad_rmap(env: dict[str, str], crds_cache: Path, tmp_path: Path) -> None:
    shutil.copy(deadtab(crds_cache), tmp_path / "x.rmap")
    (tmp_path / "bad.rmap").write_text("junk")
    proc = run(env, "opencrds", "newcontext", "hst_0729.pmap", "cos_deadtab_n/a", "bad.rmap",
               "missing.rmap", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("ERROR") == 2
    assert "'deadtab' : 'N/A'" in (tmp_path / "hst_cos_0307.imap").read_text()

"""``opencrds checksum``: only the sha1sum line changes, and crds agrees (black box)."""

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
SOURCES = [CACHE / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap",
           CACHE / "mappings" / "jwst" / "jwst_nircam_dark_0017.rmap"]
pytestmark = pytest.mark.skipif(not SOURCES[0].exists(), reason="real cache missing")


def run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_add_rewrites_only_the_sha1sum_line(tmp_path: Path, source: Path) -> None:
    original = source.read_text().replace("'N", "'N ", 1)  # an edit: the checksum is now wrong
    (tmp_path / "a.map").write_text(original)
    for name in ("ours.rmap", "crds.rmap"):
        (tmp_path / name).write_text(original)
    assert run("opencrds", "checksum", "--verify", "ours.rmap", cwd=tmp_path).returncode == 1
    proc = run("opencrds", "checksum", "ours.rmap", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Adding checksum for './ours.rmap'" in proc.stderr
    new = (tmp_path / "ours.rmap").read_text().splitlines()
    old = original.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert len(changed) == 1 and "sha1sum" in new[changed[0]]
    assert run("opencrds", "checksum", "--verify", "ours.rmap", cwd=tmp_path).returncode == 0
    if (BIN / "crds").exists():
        assert run("crds", "checksum", "crds.rmap", cwd=tmp_path).returncode == 0
        assert (tmp_path / "crds.rmap").read_text() == (tmp_path / "ours.rmap").read_text()


def test_bad_files_one_error_each(tmp_path: Path) -> None:
    (tmp_path / "bad.rmap").write_text("junk")
    (tmp_path / "good.rmap").write_text(SOURCES[0].read_text())
    proc = run("opencrds", "checksum", "bad.rmap", "missing.rmap", "good.rmap", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("Checksum operation FAILED") == 2
    proc = run("opencrds", "checksum", "--remove", "good.rmap", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Mapping checksums cannot be removed" in proc.stderr

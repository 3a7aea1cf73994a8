"""``opencrds uniqname``: CDBS timestamp names, header keywords, one error per bad file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import user_environment

BIN = Path(sys.executable).parent
NAME = re.compile(r"^[a-z0-9]{3}\d{4}[0-9a-t]l_dead\.fits$")


@pytest.fixture
def source(crds_test_data: Path) -> Path:
    return crds_test_data / "hst" / "s7g1700gl_dead_good_xsum.fits"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**user_environment(), "CRDS_PATH": str(cwd / "no-cache")}
    return subprocess.run([str(BIN / "opencrds"), "uniqname", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_dry_run_and_standard(source: Path, tmp_path: Path) -> None:
    from astropy.io import fits

    shutil.copy(source, tmp_path / "s7g1700gl_dead.fits")
    proc = run("--files", "s7g1700gl_dead.fits", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"Would rename './s7g1700gl_dead.fits' --> './(\S+)'", proc.stderr)
    assert match and NAME.match(match.group(1))
    (tmp_path / "out").mkdir()
    proc = run("--files", "s7g1700gl_dead.fits", "-s", "-b", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [new] = os.listdir(tmp_path / "out")
    assert NAME.match(new) and f"--> '{new}'" in proc.stderr
    header = fits.getheader(tmp_path / "out" / new)
    assert header["FILENAME"] == new
    assert header["ROOTNAME"] == new[:-5].upper()
    assert f"s7g1700gl_dead.fits renamed to {new} on" in str(header["HISTORY"])


def test_bad_files_one_error_each(tmp_path: Path) -> None:
    (tmp_path / "junk_dead.fits").write_text("not fits")
    proc = run("--files", "junk_dead.fits", "missing_dead.fits", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("ERROR") == 2

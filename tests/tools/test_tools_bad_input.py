"""Bad input files give one clear ERROR each, naming the file, and the run goes on (issue 6)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import user_environment

CACHE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "crds-cache"
GOOD = CACHE / "mappings" / "hst" / "hst_acs_darkfile_0363.rmap"
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not GOOD.exists(), reason="shared CRDS cache not found")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "bad_0001.rmap").write_text("header = {\n", encoding="utf-8")
    (tmp_path / "bad_a1f.fits").write_text("not a FITS file\n", encoding="utf-8")
    shutil.copy(GOOD, tmp_path / "good.rmap")
    return tmp_path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**user_environment(), "CRDS_PATH": str(CACHE), "CRDS_MODE": "local",
           "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
    return subprocess.run([str(BIN / "opencrds"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("CRDS - ERROR -")]


def test_checksum_reports_each_bad_file_and_fixes_the_good_one(files: Path) -> None:
    good = files / "good.rmap"
    good.write_text(good.read_text().replace("'sha1sum'", "'sha1sum' ", 1))
    done = run("checksum", "bad_0001.rmap", "missing.rmap", "good.rmap", cwd=files)
    found = errors(done)
    assert len(found) == 2 and done.returncode != 0
    assert "bad_0001.rmap:1:10:" in found[0] and "truncated" in found[0]
    assert "missing.rmap" in found[1] and "No such file" in found[1]
    assert run("checksum", "--verify", "good.rmap", cwd=files).returncode == 0


def test_uniqname_reports_each_bad_file(files: Path) -> None:
    done = run("uniqname", "--hst", "--dry-run", "--files", "bad_a1f.fits", "missing_a1f.fits",
               cwd=files)
    found = errors(done)
    assert len(found) == 2
    assert "bad_a1f.fits" in found[0] and "missing_a1f.fits" in found[1]


@pytest.mark.parametrize("argv", [
    ("diff", "bad_0001.rmap", "good.rmap"),
    ("diff", "missing.rmap", "good.rmap"),
    ("rowdiff", "bad_a1f.fits", "bad_a1f.fits"),
    ("refactor", "insert", "bad_0001.rmap", "new.rmap", "bad_a1f.fits"),
], ids=lambda argv: "-".join(argv[:2]))
def test_single_input_tools_stop_with_one_error(files: Path, argv: tuple[str, ...]) -> None:
    done = run(*argv, cwd=files)
    found = errors(done)
    assert done.returncode != 0
    assert len(found) == 1, done.stderr
    bad = argv[1] if argv[0] != "refactor" else argv[2]
    assert bad in found[0]
    assert "Traceback" not in done.stderr
    assert not (files / "new.rmap").exists()


def test_newcontext_names_the_bad_rmap(files: Path) -> None:
    done = run("newcontext", "hst_0729.pmap", "bad_0001.rmap", cwd=files)
    found = errors(done)
    assert len(found) == 1 and "bad_0001.rmap:1:10:" in found[0]

"""No tracked file names a path of the machine it was written on.

Tests find the shared data through the conftest fixtures (``$OPENCRDS_SHARED_DATA``, else
``../shared/data``) and the benchmarks through ``benchmarks/bench_paths.py``; a hard-coded
absolute path would make them skip, or fail, in any other clone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A path under this machine's work or home directories: the directory and at least one more
# path character (a bare marker string, such as one a test looks for in a response, is not
# a path).
MACHINE_PATH = re.compile(r"/(?:work|root|home/[\w.-]+)/[\w.$-]")


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                          check=True)
    return [REPO / name for name in done.stdout.decode().split("\0") if name]


def test_no_tracked_file_holds_an_absolute_path_of_this_machine() -> None:
    offending = []
    for path in tracked_files():
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):  # deleted in the working tree
            continue
        if b"\0" in data:  # binary
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                offending.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert not offending, "absolute paths:\n" + "\n".join(offending)

"""Running ``opencrds bestrefs`` and ``crds bestrefs`` as processes, for the bestrefs tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: Log lines that differ from run to run (``--stats``).
_TIMING = ("STARTED ", "STOPPED ", "ELAPSED ", "datasets-per-second")


def _script(name: str) -> list[str] | None:
    script = Path(sys.executable).with_name(name)
    if script.is_file():
        return [str(script)]
    found = shutil.which(name)
    return [found] if found else None


def tool_env(cache: Path) -> dict[str, str]:
    """The serverless, read-only CRDS environment both tools run in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(cache), CRDS_MODE="local", CRDS_SERVER_URL="https://localhost:1",
               CRDS_READONLY_CACHE="1")
    return env


def run_opencrds(cache: Path, *args: str | os.PathLike[str], cwd: Path | None = None,
                 ) -> subprocess.CompletedProcess[str]:
    command = _script("opencrds") or [sys.executable, "-m", "opencrds.tools.main"]
    return subprocess.run([*command, "bestrefs", *map(str, args)], capture_output=True,
                          text=True, env=tool_env(cache), cwd=cwd, stdin=subprocess.DEVNULL,
                          timeout=600)


def run_crds(cache: Path, *args: str | os.PathLike[str], cwd: Path | None = None,
             ) -> subprocess.CompletedProcess[str]:
    """``crds bestrefs --hst ...`` (the serverless URL names no observatory, see TOOLS.md §1.6)."""
    command = _script("crds")
    if command is None:
        pytest.skip("the crds command is not installed")
    return subprocess.run([*command, "bestrefs", "--hst", *map(str, args)], capture_output=True,
                          text=True, env=tool_env(cache), cwd=cwd, stdin=subprocess.DEVNULL,
                          timeout=900)


def log_lines(stderr: str) -> list[str]:
    """The CRDS log lines of a run without the timing ones (and without astropy's own)."""
    return [line for line in stderr.splitlines()
            if line.startswith("CRDS - ") and not any(t in line for t in _TIMING)]


def assert_same_run(ours: subprocess.CompletedProcess[str],
                    theirs: subprocess.CompletedProcess[str]) -> None:
    """Same stdout, same log lines (timing aside) and same exit status."""
    assert ours.stdout.splitlines() == theirs.stdout.splitlines()
    assert log_lines(ours.stderr) == log_lines(theirs.stderr)
    assert ours.returncode == theirs.returncode

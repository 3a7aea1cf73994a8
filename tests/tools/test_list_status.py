"""``opencrds list --status`` against ``crds list --status`` 14.0.3, whole output: the variables
as the user set them (``CRDS_MODE = 'auto'``, ``CRDS_SERVER_URL = 'undefined'``), the effective
context of the observatory a named context belongs to, and the shared switches placed before
the command (``opencrds -H list --status``, ``opencrds --stats list --status``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

#: The one line that differs on purpose: the version line names the tool.
VERSION = re.compile(r"^(CRDS|OpenCRDS) Version = .*$", re.M)
#: --stats lines: their times differ from run to run.
TIMES = re.compile(r"(STARTED|STOPPED) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d|ELAPSED \d+:\d\d:\d\d\.\d\d")


@pytest.fixture
def cache(crds_cache: Path, tmp_path: Path) -> Path:
    """The shared mappings and a writable copy of the server configurations."""
    root = tmp_path / "cache"
    root.mkdir()
    (root / "mappings").symlink_to(crds_cache / "mappings")
    shutil.copytree(crds_cache / "config", root / "config")
    for path in (root / "config").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def run(tool: str, cache: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    environ.update(CRDS_PATH=str(cache), **env)
    return subprocess.run([str(BIN / tool), *argv], capture_output=True, text=True,
                          env=environ, timeout=300, check=False)


def same(ours: subprocess.CompletedProcess[str], theirs: subprocess.CompletedProcess[str]) -> None:
    def text(done: subprocess.CompletedProcess[str]) -> tuple[str, str, int]:
        return (VERSION.sub("Version", done.stdout), TIMES.sub(r"\1 TIME", done.stderr),
                done.returncode)

    assert text(ours) == text(theirs)


ENVIRONMENTS = [
    {},
    {"CRDS_MODE": "local", "CRDS_SERVER_URL": "https://localhost:1"},
    {"CRDS_CONTEXT": "jwst_0500.pmap"},
    {"CRDS_CONTEXT": "hst_0500.pmap"},
    {"CRDS_OBSERVATORY": "roman", "CRDS_READONLY_CACHE": "1"},
    {"CRDS_SERVER_URL": "https://hst-serverless-mode.stsci.edu"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: " ".join(env) or "plain")
def test_status_as_crds(oracle_env, cache: Path, env: dict[str, str]) -> None:
    ours = run("opencrds", cache, "list", "--status", **env)
    same(ours, run("crds", cache, "list", "--status", **env))
    assert "CRDS_SERVER_URL = " in ours.stdout


@pytest.mark.parametrize("switches", [["-H"], ["--hst", "--verbosity", "0"], ["--stats"],
                                      ["-R", "--stats", "--jwst"]])
def test_shared_switches_before_the_command(oracle_env, cache: Path,
                                            switches: list[str]) -> None:
    before = run("opencrds", cache, *switches, "list", "--status")
    after = run("opencrds", cache, "list", *switches, "--status")
    same(before, after)
    same(before, run("crds", cache, "list", *switches, "--status"))
    if "--stats" in switches:
        assert "CRDS - INFO -  ELAPSED " in before.stderr
    if "-H" in switches or "--hst" in switches:
        assert "Effective Context = 'hst_0729.pmap'" in before.stdout

"""``opencrds list`` offline on the shared cache (read-only), compared with crds 14.0.3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, clean_env, opencrds_command  # noqa: E402

pytestmark = [pytest.mark.shared_data,
              pytest.mark.skipif(not HAVE_SHARED_DATA, reason="shared CRDS data not found")]


def env(observatory: str) -> dict[str, str]:
    return clean_env(CRDS_PATH=str(CRDS_CACHE), CRDS_READONLY_CACHE="1",
                     CRDS_SERVER_URL=f"https://{observatory}-serverless-mode.stsci.edu")


def ours(observatory: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*opencrds_command(), "list", *args], env=env(observatory),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def theirs(observatory: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "crds.list", *args], env=env(observatory),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_resolve_contexts_offline() -> None:
    args = ("--resolve-contexts", "--contexts", "jwst-edit", "jwst-operational", "jwst-latest",
            "jwst-versions", "latest")
    assert ours("jwst", *args).stdout.split() == \
        ["jwst_0526.pmap"] + ["jwst_0541.pmap"] * 4


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ("--mappings", "--references", "--contexts", "roman_0004.pmap"),
    ("--operational-context",),
    ("--resolve-contexts", "--contexts", "roman-edit", "roman-latest"),
    ("--resolve-contexts", "--contexts", "roman-versions", "roman-operational"),
])
def test_same_as_crds(args: tuple[str, ...]) -> None:
    assert ours("roman", "--roman", *args).stdout == theirs("roman", "--roman", *args).stdout


def test_status_and_config() -> None:
    text = ours("hst", "--hst", "--status").stdout
    assert "Effective Context = 'hst_0729.pmap'" in text
    assert "Readonly Cache = True" in text and "Cache Locking = 'disabled'" in text
    config = ours("hst", "--hst", "--config").stdout
    assert "CRDS Actual Paths:" in config and "\treferences = " in config


def test_date_context_offline_fails() -> None:
    done = subprocess.run([*opencrds_command(), "list", "--hst", "--resolve-contexts",
                           "--contexts", "hst-2018-01-21T12:32:05"], env=env("hst"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "not reachable" in done.stderr


def test_cat_and_file_properties() -> None:
    text = ours("roman", "--roman", "--cat", "roman_0004.pmap").stdout
    assert "roman_0004.pmap" in text and "selector" in text
    props = ours("jwst", "--jwst", "--file-properties", "jwst_miri_flat_0001.rmap").stdout
    assert props.strip() == "miri flat jwst_miri_flat_0001.rmap"

"""``opencrds.getreferences`` with no server to fetch from, against ``crds.getreferences``
14.0.3 (issue 11, items 1 and 2): a reference the cache lacks is an error, never a path to a
file that is not there, and a named context's observatory decides the cache paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.oracle]

#: Runs in a fresh interpreter (crds reads its configuration at import): ``<tool>.getreferences``
#: printing {"result": {type: path}} or {"error": [class name, message]}.
SCRIPT = """
import json, sys
tool = __import__(sys.argv[1])
try:
    print(json.dumps({"result": tool.getreferences(json.loads(sys.argv[2]),
                      reftypes=json.loads(sys.argv[3]), context=sys.argv[4])}))
except Exception as exc:
    print(json.dumps({"error": [type(exc).__name__, str(exc)]}))
"""
#: The README's NIRCam header.
NIRCAM = {"META.INSTRUMENT.NAME": "NIRCAM", "META.INSTRUMENT.DETECTOR": "NRCA1",
          "META.SUBARRAY.NAME": "FULL", "META.EXPOSURE.TYPE": "NRC_IMAGE",
          "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00"}
COS = {"INSTRUME": "COS", "DETECTOR": "FUV", "OBSTYPE": "SPECTROSCOPIC", "LIFE_ADJ": "3.0",
       "DATE-OBS": "2010-05-11", "TIME-OBS": "00:00:02"}
SERVERLESS = "https://crds-serverless-mode.stsci.edu"
REFUSED = "https://localhost:1"  # nothing listens there: connection refused at once


@pytest.fixture
def mappings_only(crds_cache: Path, tmp_path: Path) -> Path:
    """A cache holding the shared mappings and server configurations, and no reference."""
    root = tmp_path / "cache"
    (root / "mappings").mkdir(parents=True)
    for observatory in ("hst", "jwst"):
        (root / "mappings" / observatory).symlink_to(crds_cache / "mappings" / observatory)
        shutil.copytree(crds_cache / "config" / observatory, root / "config" / observatory)
    for path in (root / "config").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def outcome(tool: str, cache: Path, header: dict[str, str], reftypes: list[str],
            context: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    environ.update(CRDS_PATH=str(cache), **env)
    done = subprocess.run([sys.executable, "-c", SCRIPT, tool, json.dumps(header),
                           json.dumps(reftypes), context], env=environ, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["local", "auto"])
def test_missing_reference_without_server_is_an_error(oracle_env, mappings_only: Path,
                                                      mode: str) -> None:
    args = (mappings_only, NIRCAM, ["dark"], "jwst_0541.pmap")
    ours = outcome("opencrds", *args, CRDS_MODE=mode, CRDS_SERVER_URL=SERVERLESS)
    assert ours == outcome("crds", *args, CRDS_MODE=mode, CRDS_SERVER_URL=SERVERLESS)
    assert ours["error"] == ["CrdsNetworkError", (
        f"Failed downloading cache config from: JSON RPC service at '{SERVERLESS}': "
        "\"Configured for server-less mode.  Skipping JSON RPC 'get_server_info'\"")]
    assert not (mappings_only / "references" / "jwst" / "nircam" /
                "jwst_nircam_dark_0040.fits").exists()


def test_missing_reference_with_server_down(oracle_env, mappings_only: Path) -> None:
    args = (mappings_only, NIRCAM, ["dark"], "jwst_0541.pmap")
    ours = outcome("opencrds", *args, CRDS_MODE="auto", CRDS_SERVER_URL=REFUSED)
    theirs = outcome("crds", *args, CRDS_MODE="auto", CRDS_SERVER_URL=REFUSED)
    # the same words up to the transport's own text of the refused connection
    head = (f"Failed downloading cache config from: JSON RPC service at '{REFUSED}': "
            "\"CRDS jsonrpc failure 'get_server_info' ")
    assert ours["error"][0] == theirs["error"][0] == "CrdsNetworkError"
    assert ours["error"][1].startswith(head) and theirs["error"][1].startswith(head)
    assert "Connection refused" in ours["error"][1]


def test_hst_context_answers_in_the_hst_tree(oracle_env, mappings_only: Path) -> None:
    """No CRDS_OBSERVATORY: hst_0611.pmap's references are under references/hst/."""
    (mappings_only / "config" / "hst" / "ref_cache_subdir_mode").write_text("flat\n")
    args = (mappings_only, COS, ["xtractab"], "hst_0611.pmap")
    missing = outcome("opencrds", *args, CRDS_MODE="local", CRDS_SERVER_URL=SERVERLESS)
    assert missing == outcome("crds", *args, CRDS_MODE="local", CRDS_SERVER_URL=SERVERLESS)
    assert missing["error"][0] == "CrdsNetworkError"
    reference = mappings_only / "references" / "hst" / "z2d19237l_1dx.fits"
    reference.parent.mkdir(parents=True, exist_ok=True)
    reference.write_bytes(b"placeholder")
    ours = outcome("opencrds", *args, CRDS_MODE="local", CRDS_SERVER_URL=SERVERLESS)
    assert ours == outcome("crds", *args, CRDS_MODE="local", CRDS_SERVER_URL=SERVERLESS)
    assert ours == {"result": {"xtractab": str(reference)}}
    # CRDS_OBSERVATORY naming another observatory does not move the HST tree either
    assert outcome("opencrds", *args, CRDS_MODE="local", CRDS_SERVER_URL=SERVERLESS,
                   CRDS_OBSERVATORY="jwst") == ours

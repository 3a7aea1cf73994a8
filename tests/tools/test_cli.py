"""The ``opencrds`` command run as a real process: dispatcher, exit codes, ``bestrefs``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_HEADERS = REPO_ROOT / "examples" / "jwst_headers.json"
NIRCAM_ID = "jw01345001001_02101_00001_nrca1"


def _command() -> list[str]:
    """The installed ``opencrds`` script of this Python, else ``python -m``."""
    script = Path(sys.executable).with_name("opencrds")
    if script.is_file():
        return [str(script)]
    found = shutil.which("opencrds")
    return [found] if found else [sys.executable, "-m", "opencrds.tools.main"]


def opencrds(*args: str | os.PathLike[str], cwd: Path | None = None,
             ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env["CRDS_PATH"] = "/nonexistent-crds-cache"  # only --cache may supply mappings
    return subprocess.run([*_command(), *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)


def test_help_lists_commands() -> None:
    proc = opencrds("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: opencrds")
    assert "bestrefs" in proc.stdout
    assert "--debug-traceback" in proc.stdout


def test_version() -> None:
    import opencrds as package

    proc = opencrds("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"opencrds {package.__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    proc = opencrds("no-such-command")
    assert proc.returncode == 2
    assert "invalid choice: 'no-such-command'" in proc.stderr
    assert proc.stdout == ""


def test_no_command_is_a_usage_error() -> None:
    proc = opencrds()
    assert proc.returncode == 2
    assert "usage: opencrds" in proc.stderr


def test_command_help() -> None:
    proc = opencrds("bestrefs", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: opencrds bestrefs")
    assert "--new-context" in proc.stdout and "--headers" in proc.stdout


def test_bestrefs_without_context_or_observatory_is_one_error(tmp_path: Path) -> None:
    # As crds, --new-context defaults to the cache's latest context, which needs an observatory.
    headers = tmp_path / "h.json"
    headers.write_text("{}")
    proc = opencrds("bestrefs", "--headers", headers)
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1 and "--new-context" in proc.stderr


def test_bestrefs_without_any_source_is_one_error() -> None:
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap")
    assert proc.returncode == 1
    assert "Must specify one of: --files" in proc.stderr


def test_bestrefs_example_headers_table(crds_cache: Path) -> None:
    proc = opencrds("bestrefs", "--new-context", "jwst_0541.pmap", "--cache", crds_cache,
                    "--headers", EXAMPLE_HEADERS)
    assert proc.returncode == 0, proc.stderr
    assert "jwst_nircam_dark_0040.fits" in proc.stdout
    assert "jwst_miri_dark_0058.fits" in proc.stdout
    assert NIRCAM_ID in proc.stdout
    assert "CRDS - INFO -  0 errors" in proc.stderr


def test_bestrefs_known_answer_json(crds_cache: Path, tmp_path: Path) -> None:
    headers = tmp_path / "nircam.json"
    headers.write_text(json.dumps({"nrca1": {
        "META.INSTRUMENT.NAME": "NIRCAM",
        "META.INSTRUMENT.DETECTOR": "NRCA1",
        "META.SUBARRAY.NAME": "FULL",
        "META.OBSERVATION.DATE": "2023-01-01",
        "META.OBSERVATION.TIME": "00:00:00",
        "META.EXPOSURE.TYPE": "NRC_IMAGE",
    }}))
    proc = opencrds("bestrefs", "--new-context", "jwst_0541.pmap", "--cache", crds_cache,
                    "--datasets-json", headers, "--types", "DARK", "gain", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"nrca1": {"dark": "jwst_nircam_dark_0040.fits",
                                                 "gain": "jwst_nircam_gain_0050.fits"}}


def test_bestrefs_context_path_without_cache(crds_cache: Path) -> None:
    pmap = crds_cache / "mappings" / "jwst" / "jwst_0541.pmap"
    proc = opencrds("bestrefs", "-n", pmap, "--headers", EXAMPLE_HEADERS, "-t", "dark",
                    "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[NIRCAM_ID] == {"dark": "jwst_nircam_dark_0040.fits"}


def test_bestrefs_failed_lookups_exit_1(crds_cache: Path, tmp_path: Path) -> None:
    headers = tmp_path / "bad-values.json"
    headers.write_text(json.dumps({
        "miri1": {"META.INSTRUMENT.NAME": "MIRI", "META.INSTRUMENT.DETECTOR": "MIRIMAGE",
                  "META.EXPOSURE.READPATT": "NO_SUCH_PATTERN",
                  "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00"},
        "hst1": {"INSTRUME": "ACS"},
    }))
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap", "--cache", crds_cache,
                    "--headers", headers, "-t", "readnoise", "--format", "json")
    assert proc.returncode == 1
    assert ("instrument='MIRI' type='READNOISE' data='miri1' ::  New: Bestref FAILED:"
            in proc.stderr)
    assert ("Failed processing 'hst1' : Failed computing bestrefs for data 'hst1' with respect "
            "to 'jwst_0541.pmap' : Unknown instrument 'acs'") in proc.stderr
    assert "CRDS - INFO -  2 errors" in proc.stderr
    assert "readnoise" in json.loads(proc.stdout)["miri1"]


def test_bestrefs_bad_json_is_one_line_naming_the_file(crds_cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken-headers.json"
    bad.write_text('{"a": {"INSTRUME": "MIRI",\n')
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap", "--cache", crds_cache,
                    "--headers", bad)
    assert proc.returncode != 0
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("content", ['["not", "an", "object"]', '{"a": 1}'])
def test_bestrefs_wrong_json_shape(content: str, tmp_path: Path) -> None:
    path = tmp_path / "shape.json"
    path.write_text(content)
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap", "--headers", path)
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1 and str(path) in proc.stderr


def test_bestrefs_unknown_context_is_one_line(crds_cache: Path) -> None:
    proc = opencrds("bestrefs", "-n", "jwst_9999.pmap", "--cache", crds_cache,
                    "--headers", EXAMPLE_HEADERS)
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1
    assert "jwst_9999.pmap" in proc.stderr


def test_debug_traceback_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{")
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap", "--headers", bad, "--debug-traceback")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "ToolError" in proc.stderr


def test_bestrefs_example_headers_match_crds(oracle_env, crds_cache: Path) -> None:
    from crds.core import rmap as crds_rmap

    assert oracle_env is not None
    proc = opencrds("bestrefs", "-n", "jwst_0541.pmap", "--cache", crds_cache,
                    "--headers", EXAMPLE_HEADERS, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)
    headers = json.loads(EXAMPLE_HEADERS.read_text())
    assert sorted(ours) == sorted(headers)
    for dataset_id, header in headers.items():
        theirs = crds_rmap.get_best_references("jwst_0541.pmap", dict(header))
        assert ours[dataset_id] == theirs, dataset_id


def test_main_in_process_leaves_logging_as_it_was(crds_cache: Path, capsys) -> None:
    import logging

    from opencrds.tools.main import main

    logger = logging.getLogger("opencrds")
    before = (list(logger.handlers), logger.level, logger.propagate)
    code = main(["bestrefs", "-n", "jwst_0541.pmap", "--cache", str(crds_cache),
                 "--headers", str(EXAMPLE_HEADERS), "-t", "dark", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)[NIRCAM_ID] == {"dark": "jwst_nircam_dark_0040.fits"}
    assert "0 errors" in err
    assert (list(logger.handlers), logger.level, logger.propagate) == before

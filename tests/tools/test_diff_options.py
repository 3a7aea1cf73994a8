"""``opencrds diff`` options beyond -T/-i/-B, against the real ``crds diff`` (black box) on
real consecutive contexts and rmaps, plus the options the oracle cannot run offline."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opencrds.rules.diff_analysis import lowest_mapping_only, remove_paths, squash

CACHE = Path("/work/shared/data/crds-cache")
BIN = Path(sys.executable).parent
ENV = {**os.environ, "CRDS_PATH": str(CACHE), "CRDS_MODE": "local",
       "CRDS_SERVER_URL": "https://localhost:1", "CRDS_READONLY_CACHE": "1"}
needs_cache = pytest.mark.skipif(not (CACHE / "mappings").exists(),
                                 reason="real CRDS cache /work/shared/data/crds-cache missing")
needs_oracle = pytest.mark.skipif(not (BIN / "crds").exists(), reason="crds oracle not installed")


def run(tool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=600)


def both(*args: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    return run("opencrds", "diff", *args), run("crds", "diff", *args)


def _lists_as_sets(text: str) -> set[object]:
    """Log lines; a trailing ``= [names]`` (printed in set order by crds) compared as a set."""
    found: set[object] = set()
    for line in text.splitlines():
        match = re.match(r"(.*) = (\[.*\])$", line)
        found.add((match[1], frozenset(ast.literal_eval(match[2]))) if match else line)
    return found


PAIRS = [("hst_0728.pmap", "hst_0729.pmap"), ("jwst_0540.pmap", "jwst_0541.pmap")]
RMAPS = [("hst_cos_bpixtab_0254.rmap", "hst_cos_bpixtab_0255.rmap"),
         ("jwst_nirspec_dark_0028.rmap", "jwst_nirspec_dark_0029.rmap")]
OUTPUT_OPTIONS = [("-P",), ("-N",), ("-A",), ("--print-affected-instruments",),
                  ("--print-affected-types",), ("--print-affected-modes",), ("-Q",),
                  ("-F",), ("-F", "-Q"), ("-L",), ("-E",), ("-i", "-B"), ("-U", "-E")]


@needs_cache
@needs_oracle
@pytest.mark.parametrize("options", OUTPUT_OPTIONS, ids=" ".join)
@pytest.mark.parametrize("old,new", PAIRS + RMAPS[1:], ids=lambda n: n.split(".")[0])
def test_output_options_like_crds(old: str, new: str, options: tuple[str, ...]) -> None:
    ours, oracle = both(f"crds://{old}", f"crds://{new}", *options)
    assert ours.returncode == oracle.returncode, ours.stderr
    assert set(ours.stdout.splitlines()) == set(oracle.stdout.splitlines())
    assert set(ours.stderr.splitlines()) == set(oracle.stderr.splitlines())


@needs_cache
@needs_oracle
@pytest.mark.parametrize("old,new,options", [
    ("jwst_0540.pmap", "jwst_0541.pmap", ("-K",)),
    ("hst_0729.pmap", "hst_0728.pmap", ("-K",)),      # deletions and reversions
    ("hst_0706.pmap", "hst_0707.pmap", ("-K", "-F", "-Q")),
    ("jwst_0425.pmap", "jwst_0426.pmap", ("-K", "-U")),  # deleted rmap, deleted N/A
    ("jwst_0434.pmap", "jwst_0435.pmap", ("-K",)),      # different parameter lists
    ("hst_0700.pmap", "hst_0710.pmap", ("--check-references",)),
    ("hst_0728.pmap", "hst_0729.pmap", ("--check-references",)),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_checks_like_crds(old: str, new: str, options: tuple[str, ...]) -> None:
    ours, oracle = both(f"crds://{old}", f"crds://{new}", *options)
    assert ours.returncode == oracle.returncode == 2
    assert ours.stdout == oracle.stdout
    assert _lists_as_sets(ours.stderr) == _lists_as_sets(oracle.stderr)


@needs_cache
@needs_oracle
def test_multi_context_all_new_files_and_types_like_crds() -> None:
    for options in (("-A",), ("-N",), ("--print-affected-types",), ("--print-affected-modes",)):
        ours, oracle = both("crds://hst_0727.pmap", "crds://hst_0729.pmap", *options)
        assert (ours.returncode, ours.stdout) == (oracle.returncode, oracle.stdout), options


@needs_cache
@needs_oracle
def test_cache_to_cache_like_crds() -> None:
    args = ("hst_0728.pmap", "hst_0729.pmap", "--cache1", str(CACHE), "--cache2", str(CACHE))
    for extra in ((), ("-F", "-Q")):
        ours, oracle = both(*args, *extra)
        assert (ours.returncode, ours.stdout) == (oracle.returncode, oracle.stdout)
    ours = run("opencrds", "diff", *args[:4])
    assert ours.returncode == 1 and "requires both --cache1 and --cache2" in ours.stderr


@needs_cache
def test_primitive_diffs_of_replaced_references() -> None:
    proc = run("opencrds", "diff", "crds://hst_cos_xtractab_0253.rmap",
               "crds://hst_cos_xtractab_0254.rmap", "-P")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "=" * 80
    assert "replaced z1r1943el_1dx.fits with z2d19237l_1dx.fits" in lines[1]
    assert " fitsdiff: " + __import__("astropy").__version__ in proc.stdout
    assert "Column B_SPEC data differs in row 97:" in proc.stdout
    # a replaced reference missing from the cache is an error, not a traceback
    missing = run("opencrds", "diff", "crds://hst_cos_bpixtab_0254.rmap",
                  "crds://hst_cos_bpixtab_0255.rmap", "-P")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


@needs_cache
def test_brief_is_lowest_remove_paths_hide_boring_include_headers() -> None:
    args = ("crds://hst_0728.pmap", "crds://hst_0729.pmap")
    assert run("opencrds", "diff", *args, "-F").stdout == \
        run("opencrds", "diff", *args, "-L", "-E", "-B", "-i").stdout


def test_formatting_helpers() -> None:
    diff = (("/c/hst_1.pmap", "/c/hst_2.pmap"), ("hst_acs_1.imap", "hst_acs_2.imap"),
            ("hst_acs_bias_1.rmap", "hst_acs_bias_2.rmap"), ("WFC", "N/A"), ("2019-01-01",
            "00:00:00"), "added terminal x.fits")
    assert lowest_mapping_only(diff)[0] == ("hst_acs_bias_1.rmap", "hst_acs_bias_2.rmap")
    assert remove_paths(diff)[0] == ("hst_1.pmap", "hst_2.pmap")
    assert remove_paths(diff)[3] == ("WFC", "N/A")  # not a path
    assert squash(lowest_mapping_only(diff)) == (
        "hst_acs_bias_1.rmap hst_acs_bias_2.rmap -- WFC N/A -- 2019-01-01 00:00:00 -- "
        "added terminal x.fits")


@needs_cache
def test_sync_files_and_exclusive_modes() -> None:
    args = ("crds://hst_cos_deadtab_0250.rmap", "crds://hst_cos_deadtab_0251.rmap")
    offline = run("opencrds", "diff", *args, "--sync-files")
    assert offline.returncode == 255 and "(FATAL)" in offline.stderr
    for bad in (("--sync-files", "--cache2", "x"), ("-N", "-A"),
                ("--print-affected-types", "--print-affected-modes")):
        proc = run("opencrds", "diff", *args, *bad)
        assert proc.returncode == 2 and "not allowed with" in proc.stderr


@needs_cache
def test_recurse_added_deleted_lists_nested_files(tmp_path: Path) -> None:
    proc = run("opencrds", "diff", "crds://jwst_0425.pmap", "crds://jwst_0426.pmap", "-U", "-E")
    lines = [ast.literal_eval(line) for line in proc.stdout.splitlines()]
    nested = [d for d in lines if d[1] == ("jwst_miri_0143.imap",)]
    assert nested and all(d[2] == "jwst_miri_v2v3_0014.rmap" for d in nested)
    assert all(d[-1].startswith("deleted terminal ") for d in nested)
    plain = run("opencrds", "diff", "crds://jwst_0425.pmap", "crds://jwst_0426.pmap", "-E")
    assert len(plain.stdout.splitlines()) == len(lines) - len(nested)


@needs_cache
def test_unknown_reference_types_warn(tmp_path: Path) -> None:
    (tmp_path / "a.text").write_text("a\n")
    (tmp_path / "b.text").write_text("b\n")
    proc = run("opencrds", "diff", "a.text", "b.text", cwd=tmp_path)
    assert proc.returncode == 2 and "Cannot difference file of type 'unknown'" in proc.stderr
    shutil.copy(CACHE / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap", tmp_path / "x.rmap")
    same = run("opencrds", "diff", "x.rmap", "x.rmap", "-K", "--check-references", "-P",
               cwd=tmp_path)
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")

"""``opencrds diff`` options beyond -T/-i/-B, against the real ``crds diff`` (black box) on
real consecutive contexts and rmaps, plus the options the oracle cannot run offline."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tool_runs import needs_oracle, run

from opencrds.rules.diff_analysis import lowest_mapping_only, remove_paths, squash


def both(env: dict[str, str], *args: str
         ) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    return run(env, "opencrds", "diff", *args), run(env, "crds", "diff", *args)


def _set_lists_sorted(text: str) -> list[str]:
    """The log lines in order; only a trailing ``= [names]`` list is sorted, because crds
    prints it in Python set order, which changes from run to run (a documented divergence:
    opencrds sorts it)."""
    lines = []
    for line in text.splitlines():
        match = re.match(r"(.*) = (\[.*\])$", line)
        lines.append(f"{match[1]} = {sorted(ast.literal_eval(match[2]))}" if match else line)
    return lines


PAIRS = [("hst_0728.pmap", "hst_0729.pmap"), ("jwst_0540.pmap", "jwst_0541.pmap")]
RMAPS = [("hst_cos_bpixtab_0254.rmap", "hst_cos_bpixtab_0255.rmap"),
         ("jwst_nirspec_dark_0028.rmap", "jwst_nirspec_dark_0029.rmap")]
OUTPUT_OPTIONS = [("-P",), ("-N",), ("-A",), ("--print-affected-instruments",),
                  ("--print-affected-types",), ("--print-affected-modes",), ("-Q",),
                  ("-F",), ("-F", "-Q"), ("-L",), ("-E",), ("-i", "-B"), ("-U", "-E"), ("-T",)]


@needs_oracle
@pytest.mark.parametrize("options", OUTPUT_OPTIONS, ids=" ".join)
@pytest.mark.parametrize("old,new", PAIRS + RMAPS[1:], ids=lambda n: n.split(".")[0])
def test_output_options_like_crds(env: dict[str, str], old: str, new: str,
                                  options: tuple[str, ...]) -> None:
    ours, oracle = both(env, f"crds://{old}", f"crds://{new}", *options)
    assert ours.returncode == oracle.returncode, ours.stderr
    assert ours.stdout.splitlines() == oracle.stdout.splitlines()
    assert ours.stderr.splitlines() == oracle.stderr.splitlines()


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
def test_checks_like_crds(env: dict[str, str], old: str, new: str,
                          options: tuple[str, ...]) -> None:
    ours, oracle = both(env, f"crds://{old}", f"crds://{new}", *options)
    assert ours.returncode == oracle.returncode == 2
    assert ours.stdout == oracle.stdout
    assert _set_lists_sorted(ours.stderr) == _set_lists_sorted(oracle.stderr)


@needs_oracle
def test_multi_context_all_new_files_and_types_like_crds(env: dict[str, str]) -> None:
    for options in (("-A",), ("-N",), ("--print-affected-types",), ("--print-affected-modes",)):
        ours, oracle = both(env, "crds://hst_0727.pmap", "crds://hst_0729.pmap", *options)
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (oracle.returncode, oracle.stdout, oracle.stderr), options


@needs_oracle
def test_text_diffs_of_every_nested_mapping_like_crds(env: dict[str, str]) -> None:
    """-T over 15 JWST contexts: the context's text diff, then one per replaced imap or rmap
    (also those only named by a 'replaced X with Y'), by name, as GNU diff -c prints them."""
    ours, oracle = both(env, "crds://jwst_0526.pmap", "crds://jwst_0541.pmap", "-T")
    assert oracle.stdout.count("==== text difference ") == 23
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (oracle.returncode, oracle.stdout, oracle.stderr)


@needs_oracle
def test_all_new_files_leave_out_files_of_earlier_contexts_like_crds(env: dict[str, str]
                                                                     ) -> None:
    """jwst_0512..0515 revert MIRI rules to ones jwst_0510 already used: crds lists 193 files,
    none of them used by an earlier context of the range."""
    ours, oracle = both(env, "crds://jwst_0510.pmap", "crds://jwst_0520.pmap", "-A")
    assert len(oracle.stdout.splitlines()) == 193
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (oracle.returncode, oracle.stdout, oracle.stderr)


@needs_oracle
def test_cache_to_cache_like_crds(env: dict[str, str], crds_cache: Path) -> None:
    args = ("hst_0728.pmap", "hst_0729.pmap", "--cache1", str(crds_cache), "--cache2",
            str(crds_cache))
    for extra in ((), ("-F", "-Q")):
        ours, oracle = both(env, *args, *extra)
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (oracle.returncode, oracle.stdout, oracle.stderr)
    ours = run(env, "opencrds", "diff", *args[:4])
    assert ours.returncode == 1 and "requires both --cache1 and --cache2" in ours.stderr


def test_primitive_diffs_of_replaced_references(env: dict[str, str]) -> None:
    proc = run(env, "opencrds", "diff", "crds://hst_cos_xtractab_0253.rmap",
               "crds://hst_cos_xtractab_0254.rmap", "-P")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "=" * 80
    assert "replaced z1r1943el_1dx.fits with z2d19237l_1dx.fits" in lines[1]
    assert " fitsdiff: " + __import__("astropy").__version__ in proc.stdout
    assert "Column B_SPEC data differs in row 97:" in proc.stdout
    # a replaced reference missing from the cache is an error, not a traceback
    missing = run(env, "opencrds", "diff", "crds://hst_cos_bpixtab_0254.rmap",
                  "crds://hst_cos_bpixtab_0255.rmap", "-P")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_brief_is_lowest_remove_paths_hide_boring_include_headers(env: dict[str, str]) -> None:
    args = ("crds://hst_0728.pmap", "crds://hst_0729.pmap")
    assert run(env, "opencrds", "diff", *args, "-F").stdout == \
        run(env, "opencrds", "diff", *args, "-L", "-E", "-B", "-i").stdout


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


def test_sync_files_and_exclusive_modes(env: dict[str, str]) -> None:
    args = ("crds://hst_cos_deadtab_0250.rmap", "crds://hst_cos_deadtab_0251.rmap")
    offline = run(env, "opencrds", "diff", *args, "--sync-files")
    assert offline.returncode == 255 and "(FATAL)" in offline.stderr
    for bad in (("--sync-files", "--cache2", "x"), ("-N", "-A"),
                ("--print-affected-types", "--print-affected-modes")):
        proc = run(env, "opencrds", "diff", *args, *bad)
        assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_recurse_added_deleted_lists_nested_files(env: dict[str, str]) -> None:
    proc = run(env, "opencrds", "diff", "crds://jwst_0425.pmap", "crds://jwst_0426.pmap", "-U", "-E")
    lines = [ast.literal_eval(line) for line in proc.stdout.splitlines()]
    nested = [d for d in lines if d[1] == ("jwst_miri_0143.imap",)]
    assert nested and all(d[2] == "jwst_miri_v2v3_0014.rmap" for d in nested)
    assert all(d[-1].startswith("deleted terminal ") for d in nested)
    plain = run(env, "opencrds", "diff", "crds://jwst_0425.pmap", "crds://jwst_0426.pmap", "-E")
    assert len(plain.stdout.splitlines()) == len(lines) - len(nested)


def test_unknown_reference_types_warn(env: dict[str, str], crds_cache: Path,
                                     tmp_path: Path) -> None:
    (tmp_path / "a.text").write_text("a\n")
    (tmp_path / "b.text").write_text("b\n")
    proc = run(env, "opencrds", "diff", "a.text", "b.text", cwd=tmp_path)
    assert proc.returncode == 2 and "Cannot difference file of type 'unknown'" in proc.stderr
    shutil.copy(crds_cache / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap", tmp_path / "x.rmap")
    same = run(env, "opencrds", "diff", "x.rmap", "x.rmap", "-K", "--check-references", "-P",
               cwd=tmp_path)
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")

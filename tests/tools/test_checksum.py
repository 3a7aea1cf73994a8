"""``opencrds checksum`` against ``crds checksum`` (black box): the same messages, exit codes
and resulting bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tool_runs import needs_oracle, run


def both_on_copies(env: dict[str, str], tmp_path: Path, files: dict[str, str],
                   *options: str) -> tuple[subprocess.CompletedProcess[str],
                                           subprocess.CompletedProcess[str]]:
    """crds and opencrds checksum on two copies of ``files`` (name -> text), all in one run."""
    results = []
    for tool in ("crds", "opencrds"):
        folder = tmp_path / tool
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        results.append(run(env, tool, "checksum", *options, *files, cwd=folder))
    return results[0], results[1]


def same_files(tmp_path: Path, names: list[str]) -> None:
    for name in names:
        assert (tmp_path / "opencrds" / name).read_bytes() == \
            (tmp_path / "crds" / name).read_bytes(), name


# crds-test-data mappings without a sha1sum, with a wrong one, with keys written twice (in the
# header, a Match key, a UseAfter date), with comments or odd contents, of every kind
TEST_MAPPINGS = [
    "hst/hst-missing-xsum.rmap", "hst/hst-bad-xsum.rmap", "hst/hst_cos_dup.rmap",
    "hst/hst_cos_tdstab_duplicate.rmap", "roman/roman_wfi_flat_0004_duplicate.rmap",
    "hst/hst_acs_darkfile.rmap", "hst/hst_acs_darkfile_missing_key.rmap",
    "hst/hst_acs_darkfile_comment.rmap", "hst/hst_missing_parkey.rmap", "hst/hst_0002.pmap",
    "hst/hst_cos.imap", "jwst/jwst_na_omit.pmap", "jwst/jwst_miri_specwcs_0004.rmap",
    "roman/roman_0001.pmap",
]


@needs_oracle
def test_add_to_test_mappings_like_crds(env: dict[str, str], crds_test_data: Path,
                                        tmp_path: Path) -> None:
    """A mapping without a sha1sum gets one, one with a key written twice gets one ERROR per
    duplicate and is left alone, the others are rewritten."""
    files = {name.replace("/", "-"): (crds_test_data / name).read_text()
             for name in TEST_MAPPINGS}
    assert "hst-hst-missing-xsum.rmap" in files
    oracle, ours = both_on_copies(env, tmp_path, files)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (oracle.returncode, oracle.stdout, oracle.stderr)
    same_files(tmp_path, list(files))
    added = (tmp_path / "opencrds" / "hst-hst-missing-xsum.rmap").read_text()
    assert "    'sha1sum' : '" in added
    assert "Duplicate entry at selector ('FUV', 'SPECTROSCOPIC') = UseAfter vs. UseAfter" \
        in ours.stderr


@needs_oracle
def test_add_rewrites_edited_and_commented_mappings_like_crds(env: dict[str, str],
                                                             crds_cache: Path,
                                                             tmp_path: Path) -> None:
    files = {}
    for source in ("hst/hst_cos_deadtab_0250.rmap", "jwst/jwst_nircam_dark_0017.rmap",
                   "hst/hst_cos_0250.imap"):
        text = (crds_cache / "mappings" / source).read_text()
        files["edited_" + source.split("/")[1]] = text.replace("'N", "'N ", 1)
        lines = text.splitlines(True)
        files["commented_" + source.split("/")[1]] = "".join(
            [*lines[:-2], "# a comment\n", lines[-2].replace(" : ", "   :  "), lines[-1]])
    oracle, ours = both_on_copies(env, tmp_path, files)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (oracle.returncode, oracle.stdout, oracle.stderr)
    same_files(tmp_path, list(files))
    verified = run(env, "opencrds", "checksum", "--verify", *files, cwd=tmp_path / "opencrds")
    assert verified.returncode == 0, verified.stderr


@needs_oracle
def test_missing_header_keys_like_crds(env: dict[str, str], crds_cache: Path,
                                       tmp_path: Path) -> None:
    files = {}
    for source in ("hst_cos_deadtab_0250.rmap", "hst_cos_0250.imap"):
        lines = (crds_cache / "mappings" / "hst" / source).read_text().splitlines(True)
        for keys in (("parkey",), ("mapping",), ("name",), ("derived_from",), ("observatory",),
                     ("parkey", "name"), ("mapping", "derived_from")):
            files[f"no_{'_'.join(keys)}_{source}"] = "".join(
                line for line in lines if not any(f"'{key}'" in line for key in keys))
    oracle, ours = both_on_copies(env, tmp_path, files)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (oracle.returncode, oracle.stdout, oracle.stderr)
    same_files(tmp_path, list(files))


def test_bad_files_one_error_each(env: dict[str, str], crds_cache: Path,
                                  tmp_path: Path) -> None:
    (tmp_path / "bad.rmap").write_text("junk")
    shutil.copy(crds_cache / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap",
                tmp_path / "good.rmap")
    proc = run(env, "opencrds", "checksum", "bad.rmap", "missing.rmap", "good.rmap",
               cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("Checksum operation FAILED") == 2
    proc = run(env, "opencrds", "checksum", "--remove", "good.rmap", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Mapping checksums cannot be removed" in proc.stderr

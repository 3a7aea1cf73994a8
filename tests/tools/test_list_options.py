"""``opencrds list`` options beyond the basics, offline on the shared cache (read-only): --tpns,
--required-parkeys, --cat with --keywords/--add-filenames/--no-arrays, the cache listings,
--file-properties and the server-only options, compared with crds 14.0.3 where they match."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import (  # noqa: E402
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    clean_env,
    opencrds_command,
    shared_data_dir,
)

pytestmark = [pytest.mark.shared_data,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

DEFINITIONS = shared_data_dir() / "observatory-definitions"
TEST_DATA = shared_data_dir() / "crds-test-data"
#: Relative test-data paths in the cases are relative to the test data (when it exists).
CWD = TEST_DATA if TEST_DATA.is_dir() else None


def env(cache: Path = CRDS_CACHE, **extra: str) -> dict[str, str]:
    """Offline: local mode on a cache, a server URL nothing answers at."""
    extra = {"OPENCRDS_DEFINITIONS_PATH": str(DEFINITIONS), **extra}
    return clean_env(CRDS_PATH=str(cache), CRDS_READONLY_CACHE="1", CRDS_MODE="local",
                     CRDS_SERVER_URL="https://localhost:1", **extra)


def ours(*args: str, cache: Path = CRDS_CACHE, code: int | None = 0,
         **extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*opencrds_command(), "list", *args], env=env(cache, **extra),
                          capture_output=True, text=True, timeout=600, cwd=CWD)
    if code is not None:
        assert done.returncode == code, done.stderr[-3000:]
    return done


def theirs(*args: str, cache: Path = CRDS_CACHE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crds.list", *args], env=env(cache),
                          capture_output=True, text=True, timeout=600, cwd=CWD)


def info_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " - INFO - " in line]


needs_test_data = pytest.mark.skipif(not TEST_DATA.is_dir(),
                                     reason=f"shared CRDS test data not found at {TEST_DATA}")


# ---- differential: the outputs are meant to be the same -----------------------------------

SAME = [
    # --tpns: HST has complete definitions; mapping levels use the _ld.tpn files
    ("--hst", "--tpns", "hst_acs_biasfile.rmap", "hst.pmap", "hst_cos.imap"),
    ("--hst", "--tpns", "z1r1943el_1dx.fits", "crds://v8q14451j_idc.fits",
     "hst/hst_acs_biasfile_0001.fits"),
    ("--hst", "--tpns", "hst_acs_biasfile.rmap", "--mappings", "--contexts",
     "hst_acs_biasfile.rmap"),
    ("--roman", "--tpns", "roman_0004.pmap", "roman_wfi_flat_0004.asdf"),
    ("--hst", "--tpns", "--mappings", "--contexts", "hst_acs_biasfile.rmap"),  # lists
    # --required-parkeys: .pmap, .imap (N/A types included) and .rmap forms
    ("--jwst", "--required-parkeys", "--contexts", "jwst_0541.pmap", "jwst_miri_0177.imap",
     "jwst_miri_flat_0001.rmap", "jwst_nirspec.imap"),
    ("--hst", "--required-parkeys", "--contexts", "hst_0729.pmap", "hst_acs_biasfile.rmap"),
    ("--roman", "--required-parkeys", "--contexts", "roman-edit"),
    # --cat with its modifiers
    ("--hst", "--cat", "z1r1943el_1dx.fits", "--keywords", "DET", "FILE"),
    ("--hst", "--cat", "z1r1943el_1dx.fits", "hst/j8bt05njq_raw.fits",
     "hst/cos_N8XTZCAWQ.fits", "v8q14451j_idc.fits", "--keywords", "DETECTOR"),
    ("--hst", "--cat", "z1r1943el_1dx.fits", "--add-filenames", "--no-arrays"),
    ("--hst", "--cat", "hst_acs_biasfile.rmap", "--add-filenames", "--keywords", "DET"),
    ("--jwst", "--cat", "jwst/jwst_miri_ipc_0004.fits", "jwst/niriss_ref_photom.fits",
     "--keywords", "META.INSTRUMENT", "FILETYPE"),
    ("--roman", "--cat", "roman_wfi_flat_0004.asdf", "--keywords", "DETECTOR",
     "--add-filenames"),
    ("--roman", "--cat", "--mappings", "--references", "--contexts", "roman_0004.pmap"),
    # --resolve-contexts and friends
    ("--jwst", "--resolve-contexts", "--contexts", "jwst-edit", "jwst-operational",
     "jwst_0541.pmap", "jwst-versions"),
    ("--hst", "--file-properties", "z1r1943el_1dx.fits", "v8q14451j_idc.fits",
     "hst_acs_biasfile.rmap", "hst/hst_acs_biasfile_0001.fits"),
    ("--roman", "--file-properties", "roman_wfi_flat_0004.asdf", "roman_0004.pmap"),
]


@pytest.mark.oracle
@needs_test_data
@pytest.mark.parametrize("args", SAME, ids=lambda a: "-".join(a[:3]))
def test_same_as_crds(args: tuple[str, ...]) -> None:
    mine, real = ours(*args), theirs(*args)
    assert real.returncode == 0, real.stderr[-3000:]
    assert mine.stdout == real.stdout
    assert info_lines(mine.stderr) == info_lines(real.stderr)


@pytest.mark.oracle
def test_jwst_tpn_levels_same_as_crds() -> None:
    """The shared JWST definitions hold some .tpn links whose targets were not copied, so
    only the levels (headings) and their order are compared."""
    args = ("--jwst", "--tpns", "jwst_miri_flat_0001.rmap", "jwst_miri.imap", "jwst_0541.pmap")
    mine, real = ours(*args), theirs(*args)

    def headings(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("From TPN: ")]

    assert headings(mine.stdout) == headings(real.stdout) == [
        "From TPN: all_all_ld.tpn", "From TPN: miri_all.tpn", "From TPN: miri_flat_ld.tpn",
        "From TPN: all_all_ld.tpn", "From TPN: miri_all.tpn", "From TPN: all_all_ld.tpn"]
    assert "a link to itself" in mine.stderr


@pytest.mark.oracle
def test_cached_listings_same_as_crds(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for branch, names in (("mappings", ["hst_0001.pmap", "hst_acs.imap"]),
                          ("references", ["abc_drk.fits"]),
                          ("pickles", ["hst_0729.pmap.pkl", "hst_0728.pmap.opencrds.pkl",
                                       "notes.txt"])):
        folder = cache / branch / "hst"
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text("")
    shutil.copytree(CRDS_CACHE / "config" / "hst", cache / "config" / "hst")
    for args in (("--hst", "--cached-pickles"),
                 ("--hst", "--cached-pickles", "--cached-mappings", "--cached-references"),
                 ("--hst", "--cached-pickles", "--full-path")):
        mine, real = ours(*args, cache=cache), theirs(*args, cache=cache)
        assert mine.stdout == real.stdout
    assert ours("--hst", "--cached-pickles", cache=cache).stdout.split() == [
        "hst_0728.pmap.opencrds.pkl", "hst_0729.pmap.pkl"]


# ---- our own behaviour ---------------------------------------------------------------------


def test_tpns_format() -> None:
    text = ours("--hst", "--tpns", "hst_acs_biasfile.rmap").stdout
    lines = text.splitlines()
    assert lines[:2] == ["From TPN: acs_bia_ld.tpn", "-" * len("From TPN: acs_bia_ld.tpn")]
    assert "USEAFTER_DATE   H   C   R   &SYBDATE" in lines
    assert not any(line.startswith("#") for line in lines)  # comments dropped
    assert text.endswith("\n\n\n")


def test_tpns_of_a_pars_type_in_level_order() -> None:
    text = ours("--roman", "--tpns", "roman_wfi_pars-exposurepipeline_0001.rmap").stdout
    assert [line for line in text.splitlines() if line.startswith("From TPN")] == [
        "From TPN: all_all_ld.tpn", "From TPN: all_pars_ld.tpn", "From TPN: wfi_all_ld.tpn",
        "From TPN: wfi_pars-exposurepipeline_ld.tpn"]


def test_tpns_from_the_shipped_definitions() -> None:
    """With no definitions named, the ones shipped in the package give the same listing."""
    args = ("--hst", "--tpns", "hst_acs_biasfile.rmap", "hst_cos_deadtab_0250.rmap")
    shipped = ours(*args, OPENCRDS_DEFINITIONS_PATH="")
    named = ours(*args)
    assert "hst_acs_biasfile.rmap" in shipped.stderr + shipped.stdout
    assert (shipped.stdout, shipped.stderr) == (named.stdout, named.stderr)


def test_required_parkeys_forms() -> None:
    text = ours("--jwst", "--required-parkeys", "--contexts", "jwst_0541.pmap",
                "jwst_miri_flat_0001.rmap").stdout.splitlines()
    assert text[0] == "-" * 18 + " Parkeys required for 'jwst_0541.pmap' " + "-" * 18
    assert text[1].startswith("fgs = ['META.INSTRUMENT.NAME', ")
    assert text[-1] == ("jwst_miri_flat_0001.rmap: ['META.INSTRUMENT.DETECTOR', "
                        "'META.INSTRUMENT.FILTER', 'META.VISIT.TSOVISIT', "
                        "'META.INSTRUMENT.LAMP_STATE']")
    imap = ours("--jwst", "--required-parkeys", "--contexts", "jwst_miri_0177.imap").stdout
    assert "barshadow: 'N/A'" in imap.splitlines()


@needs_test_data
def test_cat_keywords_add_filenames_no_arrays() -> None:
    text = ours("--hst", "--cat", "z1r1943el_1dx.fits", "--keywords", "det",
                "--add-filenames").stdout
    assert "z1r1943el_1dx.fits: {'DETECTOR': 'FUV'}" in text
    assert "Fits Info:" in text and "CRDS Array Info ['1']:" in text
    assert "z1r1943el_1dx.fits:  'KIND': 'TABLE'," in text
    bare = ours("--hst", "--cat", "z1r1943el_1dx.fits", "--no-arrays").stdout
    assert "Fits Info:" in bare and "CRDS Array Info" not in bare
    images = ours("--hst", "--cat", "hst/hst_acs_biasfile_0001.fits", "--keywords", "X")
    assert "Can't load array properties for HDU[1]" in images.stderr


def test_cat_with_mappings_shows_instead_of_listing() -> None:
    text = ours("--roman", "--cat", "--mappings", "--contexts", "roman_0004.pmap").stdout
    files = [line for line in text.splitlines() if line.startswith("File: ")]
    assert [os.path.basename(f) for f in files] == [
        "roman_0004.pmap", "roman_wfi_0003.imap", "roman_wfi_flat_0004.rmap"]
    assert "\nroman_0004.pmap\n" not in text


@pytest.mark.parametrize("args", [
    ("--build-context",), ("--remote-context", "hst-ops-pipeline"),
    ("--include-orphans", "--references"),
    ("--dataset-ids-for-instruments", "acs"),
])
def test_server_only_options_offline(args: tuple[str, ...]) -> None:
    done = ours("--hst", *args, code=255)
    assert "Required server connection unavailable" in done.stderr
    assert done.stdout == ""

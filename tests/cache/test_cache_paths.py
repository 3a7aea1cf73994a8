"""CRDS_* path variables, reference organisation and the read-only flag (TOOLS.md §4.1-4.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencrds.cache import paths


@pytest.mark.parametrize(("env", "expected"), [
    ({"CRDS_PATH": "/c/"}, "/c/references/hst"),
    ({"CRDS_PATH_SINGLE": "/s"}, "/s/references"),
    ({"CRDS_REFPATH": "/r", "CRDS_PATH": "/c"}, "/r/hst"),
    ({"CRDS_REFPATH_SINGLE": "/rs", "CRDS_REFPATH": "/r"}, "/rs"),
    ({}, "/grp/crds/cache/references/hst"),
    ({"CRDS_DEFAULT_CACHE": "/d"}, "/d/references/hst"),
])
def test_branch_precedence(env: dict[str, str], expected: str) -> None:
    assert paths.branch_dir("references", "hst", env) == Path(expected)


@pytest.mark.parametrize("branch,tag", [("mappings", "MAP"), ("config", "CFG"),
                                        ("pickles", "PICKLE")])
def test_other_branches(branch: str, tag: str) -> None:
    env = {"CRDS_PATH": "/c", f"CRDS_{tag}PATH": "/x"}
    assert paths.branch_dir(branch, "jwst", env) == Path("/x/jwst")
    assert paths.branch_dir(branch, "jwst", {"CRDS_PATH": "/c"}) == Path(f"/c/{branch}/jwst")


def test_root_config_dir() -> None:
    assert paths.root_config_dir({"CRDS_PATH": "/c"}) == Path("/c/config")


def test_subdir_mode_created(tmp_path: Path) -> None:
    env = {"CRDS_PATH": str(tmp_path)}
    assert paths.subdir_mode("jwst", env) == "instrument"
    assert (tmp_path / "config/jwst/ref_cache_subdir_mode").read_text().strip() == "instrument"
    refs = tmp_path / "references/hst"
    refs.mkdir(parents=True)
    for i in range(21):
        (refs / f"f{i}.fits").touch()
    assert paths.subdir_mode("hst", env) == "flat"


def test_subdir_mode_readonly_not_written(tmp_path: Path) -> None:
    env = {"CRDS_PATH": str(tmp_path), "CRDS_READONLY_CACHE": "1"}
    assert paths.readonly(env)
    assert paths.subdir_mode("jwst", env) == "instrument"
    assert not (tmp_path / "config").exists()


def test_reference_paths(tmp_path: Path) -> None:
    env = {"CRDS_PATH": str(tmp_path)}
    assert paths.reference_path("jwst_miri_flat_0001.fits", "jwst", env, mode="instrument") == \
        tmp_path / "references/jwst/miri/jwst_miri_flat_0001.fits"
    assert paths.reference_path("z1r1943el_1dx.fits", "hst", env, mode="instrument") == \
        tmp_path / "references/hst/cos/z1r1943el_1dx.fits"
    assert paths.reference_path("z1r1943el_1dx.fits", "hst", env, mode="flat") == \
        tmp_path / "references/hst/z1r1943el_1dx.fits"
    assert paths.file_path("hst_0729.pmap", None, env) == tmp_path / "mappings/hst/hst_0729.pmap"


def test_a_named_file_lives_under_its_own_observatory(tmp_path: Path) -> None:
    """The observatory a file's name carries wins over the default one (issue 11, item 2)."""
    env = {"CRDS_PATH": str(tmp_path), "CRDS_READONLY_CACHE": "1"}
    assert paths.file_path("hst_0611.pmap", "jwst", env) == \
        tmp_path / "mappings/hst/hst_0611.pmap"
    assert paths.file_path("roman_wfi_dark_0001.asdf", "jwst", env) == \
        tmp_path / "references/roman/wfi/roman_wfi_dark_0001.asdf"
    assert paths.reference_path("jwst_miri_flat_0001.fits", "hst", env, mode="flat") == \
        tmp_path / "references/jwst/jwst_miri_flat_0001.fits"
    # names that carry no observatory (HST CDBS names) go where the caller says
    assert paths.file_path("z2d19237l_1dx.fits", "hst", env) == \
        tmp_path / "references/hst/cos/z2d19237l_1dx.fits"


def test_env_flag() -> None:
    assert paths.env_flag("X", {"X": "True"}) and not paths.env_flag("X", {"X": "0"})

"""The file store (issue #12 item 2): atomic writes that leave nothing behind on failure, no
unsafe names, nothing served through a link that leads outside the store."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from opencrds.server.catalog.filestore import LocalFileStore, branch_of, is_safe_name


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "cache")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".tmp_*"))


def test_files_are_laid_out_like_a_crds_cache(store: LocalFileStore) -> None:
    store.save_atomic("hst", "hst_0001.pmap", b"mapping\n")
    store.save_atomic("hst", "abc_drk.fits", io.BytesIO(b"reference"))
    store.save_atomic("hst", "ref_cache_subdir_mode", b"flat\n", "config")
    assert (store.root / "mappings/hst/hst_0001.pmap").read_bytes() == b"mapping\n"
    assert (store.root / "references/hst/abc_drk.fits").read_bytes() == b"reference"
    assert (store.root / "config/hst/ref_cache_subdir_mode").read_bytes() == b"flat\n"
    assert stat.S_IMODE((store.root / "references/hst/abc_drk.fits").stat().st_mode) == 0o644
    assert store.read_bytes("hst", "abc_drk.fits") == b"reference"
    assert store.size("hst", "hst_0001.pmap") == 8
    assert store.sha1("hst", "abc_drk.fits") == hashlib.sha1(b"reference").hexdigest()
    assert store.exists("hst", "hst_0001.pmap") and not store.exists("hst", "hst_0002.pmap")
    with store.open("hst", "ref_cache_subdir_mode", "config") as stream:
        assert stream.read() == b"flat\n"
    assert branch_of("hst_0001.pmap") == "mappings" and branch_of("x.fits") == "references"


def test_text_is_read_with_universal_newlines(store: LocalFileStore) -> None:
    store.save_atomic("hst", "hst_0001.pmap", b"header = {}\r\nselector = {}\r\n")
    assert store.read_text("hst", "hst_0001.pmap") == "header = {}\nselector = {}\n"


def test_a_failed_save_leaves_no_temporary_file_and_the_old_file_intact(
        store: LocalFileStore) -> None:
    store.save_atomic("hst", "abc_drk.fits", b"old")

    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # noqa: ANN001
            self.calls += 1
            if self.calls > 1:
                raise OSError("the upload was cut")
            buffer[:3] = b"new"
            return 3

    with pytest.raises(OSError, match="the upload was cut"):
        store.save_atomic("hst", "abc_drk.fits", io.BufferedReader(Broken()))
    assert store.read_bytes("hst", "abc_drk.fits") == b"old"
    assert leftovers(store.root) == []


def test_a_failed_copy_leaves_no_temporary_file(store: LocalFileStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.save_from_path("hst", "abc_drk.fits", tmp_path / "missing.fits")
    assert leftovers(store.root) == []
    assert not store.exists("hst", "abc_drk.fits")


@pytest.mark.parametrize("name", ["../secret", "..", ".hidden", "a/b.fits", "x\x00.fits",
                                  "", "a" * 300, "..fits"])
def test_unsafe_names_are_refused(store: LocalFileStore, name: str) -> None:
    assert not is_safe_name(name)
    with pytest.raises(ValueError, match="unsafe file name"):
        store.save_atomic("hst", name, b"x")
    with pytest.raises(ValueError, match="unsafe file name"):
        store.open("hst", name)
    assert not store.exists("hst", name)
    assert not store.root.exists() or leftovers(store.root) == []


@pytest.mark.parametrize("observatory", ["..", "HST", "h", "a/b", ""])
def test_unsafe_observatories_and_branches_are_refused(store: LocalFileStore,
                                                      observatory: str) -> None:
    with pytest.raises(ValueError):
        store.save_atomic(observatory, "x.fits", b"x")
    with pytest.raises(ValueError):
        store.open("hst", "x.fits", "definitions")


def test_links_that_lead_outside_the_store_are_not_served(store: LocalFileStore,
                                                         tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET")
    store.save_atomic("hst", "inside.fits", b"inside")
    folder = store.root / "references" / "hst"
    (folder / "outside.fits").symlink_to(secret)
    (folder / "linked.fits").symlink_to(folder / "inside.fits")
    with pytest.raises(PermissionError, match="outside the store"):
        store.open("hst", "outside.fits")
    with pytest.raises(PermissionError):
        store.size("hst", "outside.fits")
    assert not store.exists("hst", "outside.fits")
    assert store.read_bytes("hst", "linked.fits") == b"inside"  # a link inside is fine
    (folder / "folder.fits").mkdir()
    with pytest.raises(FileNotFoundError, match="not a regular file"):
        store.open("hst", "folder.fits")


def test_import_copies_or_links_and_knows_an_unchanged_file(store: LocalFileStore,
                                                           tmp_path: Path) -> None:
    source = tmp_path / "abc_drk.fits"
    source.write_bytes(b"reference")
    assert not store.holds_copy_of("hst", "abc_drk.fits", source)
    store.save_from_path("hst", "abc_drk.fits", source, link=True)
    stored = store.root / "references" / "hst" / "abc_drk.fits"
    assert os.path.samefile(stored, source)
    assert store.holds_copy_of("hst", "abc_drk.fits", source)
    other = tmp_path / "abc_flt.fits"
    other.write_bytes(b"another")
    store.save_from_path("hst", "abc_flt.fits", other)
    copied = store.root / "references" / "hst" / "abc_flt.fits"
    assert not os.path.samefile(copied, other) and copied.read_bytes() == b"another"
    assert store.holds_copy_of("hst", "abc_flt.fits", other)
    assert leftovers(store.root) == []


def test_definitions_are_stored_per_mission(store: LocalFileStore, tmp_path: Path) -> None:
    source = tmp_path / "defs"
    source.mkdir()
    (source / "observatory.yaml").write_text("name: demo\n")
    store.save_definitions("demo", source)
    assert (store.definitions_root() / "demo" / "observatory.yaml").read_text() == "name: demo\n"
    assert list(store.definition_folders()) == [store.definitions_root() / "demo"]
    with pytest.raises(ValueError):
        store.save_definitions("../x", source)

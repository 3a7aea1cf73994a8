"""The one atomic-write primitive: whole file or old file, mode as asked, no temporary left."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencrds.atomic import TEMP_PREFIX, write_bytes_atomic, write_text_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_text_and_bytes_replace_the_target(tmp_path: Path) -> None:
    target = tmp_path / "a.rmap"
    target.write_text("old")
    write_text_atomic(target, "néw\n")
    assert target.read_bytes() == "néw\n".encode()
    assert write_bytes_atomic(target, [b"ab", b"cd"]) == 4
    assert target.read_bytes() == b"abcd"
    assert write_bytes_atomic(target, b"xyz") == 3
    assert target.read_bytes() == b"xyz"
    assert _leftovers(tmp_path) == []


def test_mode_is_set_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_text_atomic(target, "x", mode=0o640)
    assert _mode(target) == 0o640
    write_bytes_atomic(target, b"y", mode=0o604)
    assert _mode(target) == 0o604


def test_default_mode_is_a_new_files(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.txt") == 0o640


def test_failing_chunks_leave_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.fits"
    target.write_bytes(b"old")

    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        write_bytes_atomic(target, chunks(), mode=0o644)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_a_failing_rename_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    with pytest.raises(OSError):
        write_text_atomic(target, "x")
    assert target.is_dir() and _leftovers(tmp_path) == []


def test_parents_are_made_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "config" / "hst" / "server_config"
    with pytest.raises(FileNotFoundError):
        write_text_atomic(target, "x")
    write_text_atomic(target, "x", make_parents=True)
    assert target.read_text() == "x"
    assert _leftovers(target.parent) == []


def test_tools_output_keeps_its_mode(tmp_path: Path) -> None:
    from opencrds.tools.output import write_text_atomic as tools_write

    old = os.umask(0o077)
    try:
        tools_write(tmp_path / "new.rmap", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.rmap") == 0o644

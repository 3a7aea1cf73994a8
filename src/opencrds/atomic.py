"""Atomic file replacement, the one primitive every layer writes files with.

A temporary file is created beside the target (same folder, so the rename cannot cross file
systems), written, synced to disk, given its mode and renamed over the target: a reader sees
the old file or the whole new one, never a part. On any failure the temporary file is removed
and the target is left as it was. This module imports nothing from opencrds, so any layer may
use it; policy (such as refusing to write into a read-only cache) is the caller's.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

__all__ = ["TEMP_PREFIX", "create_temp_beside", "sync_data", "temp_path_beside",
           "write_bytes_atomic", "write_text_atomic"]

#: Every temporary file starts with this; cache scans skip such names.
TEMP_PREFIX = ".tmp_"


def temp_path_beside(target: str | os.PathLike[str]) -> Path:
    """A unique temporary name beside ``target`` (never the real name); nothing is created."""
    target = Path(target)
    return target.with_name(f"{TEMP_PREFIX}{target.name}_{os.getpid()}_{secrets.token_hex(4)}")


def create_temp_beside(target: str | os.PathLike[str]) -> tuple[int, Path]:
    """A new, empty, uniquely named file beside ``target``: its open descriptor (write only)
    and its path. Created with ``O_EXCL`` and mode ``0o666`` less the umask, as a plain new
    file would be."""
    while True:
        temp = temp_path_beside(target)
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def sync_data(fd: int) -> None:
    """Make a file's data durable before a rename (data and size, not timestamps)."""
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes | Iterable[bytes], *,
                       mode: int | None = None, make_parents: bool = False) -> int:
    """Replace ``target`` with ``data`` (bytes, or an iterable of byte chunks); the number
    of bytes written.

    ``mode`` sets the new file's permission bits (None: a new file's usual ``0o666`` less the
    umask). ``make_parents`` creates missing folders first. The temporary file is removed on
    any failure, including an exception raised by the chunks.
    """
    target = Path(target)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    chunks = [data] if isinstance(data, (bytes, bytearray, memoryview)) else data
    fd, temp = create_temp_beside(target)
    written = 0
    try:
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
                written += len(chunk)
            stream.flush()
            sync_data(stream.fileno())
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return written


def write_text_atomic(target: str | os.PathLike[str], text: str, *, mode: int | None = None,
                      make_parents: bool = False, encoding: str = "utf-8") -> None:
    """Replace ``target`` with ``text`` (encoded with ``encoding``); see
    :func:`write_bytes_atomic`."""
    write_bytes_atomic(target, text.encode(encoding), mode=mode, make_parents=make_parents)

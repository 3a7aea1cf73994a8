"""Writing into the cache safely: temp file in the same directory, verify, rename (§4.5)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from ..atomic import create_temp_beside, sync_data
from ..rules.errors import CrdsError
from .paths import readonly


class CrdsDownloadError(CrdsError):
    """A download failed or did not match the server's size or sha1sum."""


class ReadonlyCacheError(CrdsError):
    """A write was attempted on a read-only cache."""


def check_writable() -> None:
    if readonly():
        raise ReadonlyCacheError("Readonly cache, cannot download files")


def sha1_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Lower-case hex SHA-1 of a whole file."""
    digest = hashlib.sha1()
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_verified(target: str | os.PathLike[str], chunks: Iterable[bytes],
                   size: int | None = None, sha1: str | None = None) -> int:
    """Write ``chunks`` to ``target`` atomically, checking ``size`` and ``sha1`` first.

    Nothing appears under the real name unless every byte arrived and matched; the temp file
    is removed on any failure (including an exception raised by ``chunks``).
    """
    staged = stage_verified(target, chunks, size, sha1)
    try:
        os.replace(staged.temp, staged.target)
    finally:
        staged.discard()
    return staged.size


class Staged:
    """A verified temporary file waiting to be renamed onto ``target``."""

    def __init__(self, temp: Path, target: Path, size: int) -> None:
        self.temp, self.target, self.size = temp, target, size

    def discard(self) -> None:
        """Remove the temporary file if it is still there."""
        try:
            self.temp.unlink()
        except FileNotFoundError:
            pass


def stage_verified(target: str | os.PathLike[str], chunks: Iterable[bytes],
                   size: int | None = None, sha1: str | None = None, *,
                   durable: bool = True) -> Staged:
    """Write ``chunks`` to a temp file beside ``target`` and check ``size`` and ``sha1`` (the
    digest is computed while writing). Not yet renamed: :func:`commit` (or
    ``os.replace``) does that. With ``durable`` the data is synced to disk first; without it
    the caller must sync before renaming (``commit`` does, once for many files).
    The temp file is removed on any failure.
    """
    check_writable()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = create_temp_beside(target)
    digest, written = hashlib.sha1(), 0
    try:
        with os.fdopen(fd, "wb") as stream:
            for block in chunks:
                stream.write(block)
                digest.update(block)
                written += len(block)
            stream.flush()
            if durable:
                sync_data(stream.fileno())
        if size is not None and written != int(size):
            raise CrdsDownloadError(f"downloaded file size {written} does not match server "
                                    f"size {int(size)} for '{target.name}'")
        if sha1 and sha1.lower() != "none" and digest.hexdigest() != sha1.lower():
            raise CrdsDownloadError(f"downloaded file '{target.name}' sha1sum "
                                    f"{digest.hexdigest()!r} does not match server sha1sum "
                                    f"{sha1!r}")
    except BaseException:
        Staged(tmp, target, written).discard()
        raise
    return Staged(tmp, target, written)


def commit(staged: Iterable[Staged]) -> None:
    """Rename many staged (not yet synced) files into place, after one filesystem sync.

    One ``sync()`` for a batch instead of one ``fsync`` per file: a sync of hundreds of small
    mappings costs milliseconds instead of seconds, and still no file reaches its real name
    before its bytes are on disk.
    """
    batch = list(staged)
    if not batch:
        return
    try:
        if hasattr(os, "sync"):
            os.sync()
        else:  # pragma: no cover - platforms without sync(): one fsync per file
            for item in batch:
                with open(item.temp, "rb+") as stream:
                    os.fsync(stream.fileno())
        for item in batch:
            os.replace(item.temp, item.target)
    finally:
        for item in batch:
            item.discard()


def remove(path: str | os.PathLike[str]) -> bool:
    """Remove a cached file unless the cache is read-only; True if it was removed."""
    if readonly():
        return False
    try:
        os.remove(path)
        return True
    except FileNotFoundError:
        return False

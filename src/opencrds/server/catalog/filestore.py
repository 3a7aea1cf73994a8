"""The file store: every read and write of a stored file goes through a :class:`FileStore`.

A file is addressed by (observatory, name) and a branch, ``mappings`` or ``references`` (told by
the name, see :func:`branch_of`) or ``config``. :class:`LocalFileStore` keeps files in a CRDS
cache layout with flat references: ``<root>/{mappings,references,config}/<obs>/<name>``, and
mission definitions in ``<root>/definitions/<obs>/``. Another backend (S3...) implements the
same methods and is chosen in :func:`get_file_store`.

Names are checked before any path is built (:func:`is_safe_name`), and a local file is read
only if its real path (symbolic links followed) is a regular file inside the store.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from opencrds.atomic import temp_path_beside, write_bytes_atomic
from opencrds.rules.naming import is_mapping

#: A plain file name: no separators, no NUL, no leading dot, nothing but these characters.
SAFE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]{0,254}")
OBSERVATORY_RE = re.compile(r"[a-z][a-z0-9]{1,15}")
BRANCHES = ("mappings", "references", "config")
_BLOCK = 1 << 20


def is_safe_name(name: str) -> bool:
    """True for a bare file name that cannot leave its directory."""
    return bool(SAFE_NAME_RE.fullmatch(name)) and ".." not in name


def is_observatory(name: str) -> bool:
    """True for a well-formed observatory name (a directory of the store)."""
    return bool(OBSERVATORY_RE.fullmatch(name))


def branch_of(name: str) -> str:
    """'mappings' for .pmap/.imap/.rmap names, else 'references'."""
    return "mappings" if is_mapping(name) else "references"


Data = bytes | BinaryIO


class FileStore(ABC):
    """Where the server keeps the bytes of its files.

    ``branch`` defaults to the one the name tells (:func:`branch_of`); ``config`` must be
    given. A name or observatory that could leave the store is a ValueError; a file that is
    missing is a FileNotFoundError; one that may not be served is a PermissionError.
    """

    @abstractmethod
    def open(self, observatory: str, name: str, branch: str | None = None) -> BinaryIO:
        """The stored file for reading (binary)."""

    @abstractmethod
    def size(self, observatory: str, name: str, branch: str | None = None) -> int:
        """Size of the stored file in bytes."""

    @abstractmethod
    def exists(self, observatory: str, name: str, branch: str | None = None) -> bool:
        """True if the store holds the file (and may serve it)."""

    @abstractmethod
    def save_atomic(self, observatory: str, name: str, data: Data,
                    branch: str | None = None) -> None:
        """Store ``data`` (bytes or a binary stream) under ``name``: readers see the old file
        or the whole new one, never a part; nothing is left behind on failure."""

    @abstractmethod
    def save_from_path(self, observatory: str, name: str, source: Path,
                       branch: str | None = None, *, link: bool = False) -> None:
        """Store a copy of the local file ``source`` (a hard link when ``link`` and possible)."""

    @abstractmethod
    def holds_copy_of(self, observatory: str, name: str, source: Path,
                      branch: str | None = None) -> bool:
        """True if the stored file already holds what ``source`` holds (same size and
        modification time), so importing it again can be skipped."""

    @abstractmethod
    def definitions_root(self) -> Path:
        """The local folder of mission definitions (``<obs>/observatory.yaml``...), which
        certify and the observatory registry read from disk."""

    @abstractmethod
    def save_definitions(self, observatory: str, source: Path) -> None:
        """Store (merge) the definitions folder ``source`` of a mission defined by data."""

    def read_bytes(self, observatory: str, name: str, branch: str | None = None) -> bytes:
        """The whole stored file."""
        with self.open(observatory, name, branch) as stream:
            return stream.read()

    def read_text(self, observatory: str, name: str, branch: str | None = None) -> str:
        """The stored file as UTF-8 text with universal newlines."""
        with self.open(observatory, name, branch) as stream:
            return io.TextIOWrapper(stream, encoding="utf-8", newline=None).read()

    def sha1(self, observatory: str, name: str, branch: str | None = None) -> str:
        """The hex SHA-1 of the stored file."""
        with self.open(observatory, name, branch) as stream:
            return hashlib.file_digest(stream, "sha1").hexdigest()

    def definition_folders(self) -> Iterator[Path]:
        """Each stored mission definitions folder, sorted."""
        root = self.definitions_root()
        if root.is_dir():
            yield from sorted(p for p in root.iterdir() if p.is_dir())


class LocalFileStore(FileStore):
    """A file store in a local directory, laid out like a CRDS cache (flat references)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    # ---- paths --------------------------------------------------------------------------

    def path(self, observatory: str, name: str, branch: str | None = None) -> Path:
        """Where the store keeps ``name``; ValueError for names that could escape the store."""
        branch = branch or branch_of(name)
        if not is_safe_name(name) or not is_observatory(observatory) or branch not in BRANCHES:
            raise ValueError(f"unsafe file name {name!r}")
        return self.root / branch / observatory / name

    @functools.cached_property
    def _real_root(self) -> Path:
        """The store root with its symbolic links resolved (once per store object)."""
        return self.root.resolve()

    def servable_path(self, observatory: str, name: str, branch: str | None = None) -> Path:
        """The real path of a stored file, if that is a regular file inside the store;
        FileNotFoundError if there is none, PermissionError if it leads outside the store
        (a file reached through a link to elsewhere is never served)."""
        path = self.path(observatory, name, branch)
        resolved = path.resolve(strict=True)
        if not resolved.is_relative_to(self._real_root):
            raise PermissionError(f"{path} resolves to {resolved}, outside the store")
        if not resolved.is_file():
            raise FileNotFoundError(f"{path} is not a regular file")
        return resolved

    # ---- reading ------------------------------------------------------------------------

    def open(self, observatory: str, name: str, branch: str | None = None) -> BinaryIO:
        return open(self.servable_path(observatory, name, branch), "rb")  # noqa: SIM115

    def size(self, observatory: str, name: str, branch: str | None = None) -> int:
        return self.servable_path(observatory, name, branch).stat().st_size

    def exists(self, observatory: str, name: str, branch: str | None = None) -> bool:
        try:
            self.servable_path(observatory, name, branch)
        except (OSError, ValueError):
            return False
        return True

    def holds_copy_of(self, observatory: str, name: str, source: Path,
                      branch: str | None = None) -> bool:
        try:
            a, b = Path(source).stat(), self.path(observatory, name, branch).stat()
        except FileNotFoundError:
            return False
        return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)

    # ---- writing ------------------------------------------------------------------------

    def save_atomic(self, observatory: str, name: str, data: Data,
                    branch: str | None = None) -> None:
        chunks = (data if isinstance(data, bytes | bytearray | memoryview)
                  else iter(functools.partial(data.read, _BLOCK), b""))
        write_bytes_atomic(self.path(observatory, name, branch), chunks, mode=0o644,
                           make_parents=True)

    def save_from_path(self, observatory: str, name: str, source: Path,
                       branch: str | None = None, *, link: bool = False) -> None:
        target = self.path(observatory, name, branch)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = temp_path_beside(target)
        try:
            if link:
                try:
                    os.link(source, temp)
                except OSError:
                    shutil.copy2(source, temp)
            else:
                shutil.copy2(source, temp)  # keeps the mtime holds_copy_of compares
                os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    # ---- mission definitions ------------------------------------------------------------

    def definitions_root(self) -> Path:
        return self.root / "definitions"

    def save_definitions(self, observatory: str, source: Path) -> None:
        if not is_observatory(observatory):
            raise ValueError(f"unsafe observatory name {observatory!r}")
        shutil.copytree(source, self.definitions_root() / observatory, dirs_exist_ok=True)


@functools.lru_cache(maxsize=4)
def _local_store(root: str) -> LocalFileStore:
    return LocalFileStore(root)


def get_file_store() -> FileStore:
    """The file store of this server (``settings.OPENCRDS_STORE``, a local folder)."""
    from django.conf import settings

    return _local_store(str(settings.OPENCRDS_STORE))

"""The file store: a CRDS cache layout under ``$OPENCRDS_HOME/cache`` (flat references)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from opencrds.rules.naming import is_mapping

#: A plain file name: no separators, no NUL, no leading dot, nothing but these characters.
SAFE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]{0,254}")
OBSERVATORY_RE = re.compile(r"[a-z][a-z0-9]{1,15}")


def root() -> Path:
    """Root directory of the store."""
    return Path(settings.OPENCRDS_STORE)


def is_safe_name(name: str) -> bool:
    """True for a bare file name that cannot leave its directory."""
    return bool(SAFE_NAME_RE.fullmatch(name)) and ".." not in name


def branch_of(name: str) -> str:
    """'mappings' for .pmap/.imap/.rmap names, else 'references'."""
    return "mappings" if is_mapping(name) else "references"


def branch_dir(branch: str, observatory: str) -> Path:
    return root() / branch / observatory


def file_path(observatory: str, name: str, branch: str | None = None) -> Path:
    """Where the store keeps ``name``; refuses names that could escape the store."""
    if not is_safe_name(name) or not OBSERVATORY_RE.fullmatch(observatory):
        raise ValueError(f"unsafe file name {name!r}")
    return branch_dir(branch or branch_of(name), observatory) / name


@functools.lru_cache(maxsize=4)
def _resolved(folder: str) -> Path:
    return Path(folder).resolve()


def _resolved_root() -> Path:
    """The store root with its symbolic links resolved (once per process)."""
    return _resolved(str(root()))


def inside_store(path: Path) -> Path:
    """``path`` with every symbolic link resolved, if that is a regular file inside the
    store; FileNotFoundError if there is none, PermissionError if it leads outside the store
    (a file reached through a link to elsewhere is never served)."""
    resolved = path.resolve(strict=True)
    if not resolved.is_relative_to(_resolved_root()):
        raise PermissionError(f"{path} resolves to {resolved}, outside the store")
    if not resolved.is_file():
        raise FileNotFoundError(f"{path} is not a regular file")
    return resolved


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp_", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_file(source: Path, path: Path, link: bool = False) -> None:
    """Put a copy (or a hard link, when asked and possible) of ``source`` at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp_", dir=path.parent)
    os.close(fd)
    try:
        if link:
            os.unlink(tmp)
            try:
                os.link(source, tmp)
            except OSError:
                shutil.copy2(source, tmp)
        else:
            shutil.copy2(source, tmp)
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def same_file(source: Path, path: Path) -> bool:
    """True if ``path`` already holds what ``source`` holds (same size and mtime)."""
    try:
        a, b = source.stat(), path.stat()
    except FileNotFoundError:
        return False
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)

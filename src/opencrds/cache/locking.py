"""A cache lock shared by processes: an ``fcntl`` lock on a file (TOOLS.md §4.8)."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from ..rules.errors import CrdsError


class LockTimeout(CrdsError, TimeoutError):
    """The lock was not acquired in time (still a ``TimeoutError`` for existing callers)."""


class FileLock:
    """An exclusive advisory lock on ``path`` (created on demand), usable across processes.

    ``timeout`` None waits forever; 0 tries once. Re-entrant within one object.
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float | None = None,
                 poll: float = 0.05) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None
        self._depth = 0

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            self._depth += 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(f"could not lock '{self.path}'") from None
                time.sleep(self.poll)
        self._fd, self._depth = fd, 1

    def release(self) -> None:
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class NullLock(FileLock):
    """The lock of a read-only cache: does nothing."""

    def __init__(self) -> None:
        super().__init__(os.devnull)

    def acquire(self) -> None:
        return None

    def release(self) -> None:
        return None


def cache_lock(observatory: str = "all", timeout: float | None = None) -> FileLock:
    """The lock serialising cache writers (``config/<obs>/crds.cache.lock``); a no-op lock
    for a read-only cache. Callers such as pipelines wrap ``getreferences`` with it."""
    from .paths import branch_dir, readonly

    if readonly():
        return NullLock()
    return FileLock(branch_dir("config", observatory) / "crds.cache.lock", timeout)


def clear_locks(root: str | os.PathLike[str]) -> int:
    """Delete every ``*.lock`` under ``root``; how many were removed."""
    removed = 0
    for path in Path(root).rglob("*.lock"):
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed

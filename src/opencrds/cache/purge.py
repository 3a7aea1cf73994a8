"""Removing files from the cache for ``sync`` purges (TOOLS.md §4.7): only inside the cache
branches, logged, and never in a read-only cache."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..rules.errors import CrdsError
from .paths import BRANCHES, branch_dir, readonly
from .storage import remove

log = logging.getLogger("opencrds")


class OutsideCacheError(CrdsError, ValueError):
    """A removal was asked for a path outside the cache branches (a guard: callers only pass
    cached paths)."""


def inside_cache(path: str | os.PathLike[str], observatory: str) -> bool:
    """True if ``path`` lies under one of the cache branches of ``observatory``."""
    target = Path(os.path.abspath(path))
    for branch in BRANCHES:
        root = Path(os.path.abspath(branch_dir(branch, observatory)))
        if target.is_relative_to(root) and target != root:
            return True
    return False


def purge_file(path: str | os.PathLike[str], observatory: str) -> bool:
    """Remove one cached file of ``observatory``; True if removed. Read-only caches only
    report it."""
    if not inside_cache(path, observatory):
        raise OutsideCacheError(f"refusing to remove '{path}': not inside the CRDS cache")
    if readonly():
        log.info("READONLY CACHE.  Skipped removing '%s'", path)
        return False
    log.debug("CACHE removing: '%s'", path)
    return remove(path)

"""Moving references between the ``flat`` and ``instrument`` layouts (TOOLS.md §4.2)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .paths import HST_LINKS, branch_dir, readonly, reference_path, subdir_mode

log = logging.getLogger("opencrds")


def set_subdir_mode(observatory: str, mode: str) -> None:
    path = branch_dir("config", observatory) / "ref_cache_subdir_mode"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mode + "\n")


def cached_references(observatory: str) -> list[Path]:
    """Every reference file in the cache of ``observatory``, in either layout."""
    root = branch_dir("references", observatory)
    found: list[Path] = []
    for folder, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink() and not name.startswith(".tmp_") \
                    and not name.endswith(".lock"):
                found.append(path)
    return sorted(found)


def organize(observatory: str, mode: str) -> int:
    """Move every reference to its ``mode`` location; how many files moved."""
    if readonly():
        log.info("READONLY CACHE: not reorganizing references.")
        return 0
    old = subdir_mode(observatory)
    files = cached_references(observatory)
    log.info("Reorganizing %d references from '%s' to '%s'", len(files), old, mode)
    moved = 0
    root = branch_dir("references", observatory)
    for path in files:
        target = reference_path(path.name, observatory, mode=mode)
        if target == path:
            continue
        if target.exists():
            log.warning("Target '%s' exists; not moving '%s'", target, path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        log.info("Relocating '%s' to '%s'", path, target)
        os.replace(path, target)
        moved += 1
    set_subdir_mode(observatory, mode)
    if observatory == "hst":
        for instrument, link in HST_LINKS.items():
            link_path, directory = root / link, root / instrument
            if mode == "instrument" and directory.is_dir() and not link_path.exists():
                link_path.symlink_to(directory)
            elif mode == "flat" and link_path.is_symlink():
                link_path.unlink()
    if mode == "flat":
        for directory in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
            try:
                directory.rmdir()
            except OSError:
                log.info("Residual files in '%s'. Not removing.", directory)
    return moved

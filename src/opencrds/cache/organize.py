"""Moving references between the ``flat`` and ``instrument`` layouts (TOOLS.md §4.2)."""

from __future__ import annotations

import logging
import os
import shutil
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


def _junk(path: Path, delete_junk: bool) -> bool:
    """Clear an obstruction at ``path`` when allowed; True if ``path`` is now free."""
    if not (path.exists() or path.is_symlink()):
        return True
    if not delete_junk:
        log.warning("Junk file or directory obstructs '%s'.  Use --organize-delete-junk "
                    "to remove it.", path)
        return False
    log.info("Deleting junk '%s'", path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    return True


def organize(observatory: str, mode: str, delete_junk: bool = False) -> int:
    """Move every reference to its ``mode`` location; how many files moved.

    Something other than the expected directory, link or file in the way (a file where an
    instrument directory goes, a directory where a reference goes) is junk: deleted with
    ``delete_junk``, otherwise reported with a warning and left, skipping that move.
    """
    if readonly():
        log.info("READONLY CACHE: not reorganizing references.")
        return 0
    old = subdir_mode(observatory)
    targets = {path: reference_path(path.name, observatory, mode=mode)
               for path in cached_references(observatory)}
    # a file standing where a directory of the new layout goes is junk, not a reference
    folders = {target.parent for target in targets.values()}
    targets = {path: target for path, target in targets.items() if path not in folders}
    log.info("Reorganizing %d references from '%s' to '%s'", len(targets), old, mode)
    moved = 0
    root = branch_dir("references", observatory)
    for path, target in targets.items():
        if target == path:
            continue
        if target.parent.exists() and not target.parent.is_dir() \
                and not _junk(target.parent, delete_junk):
            continue
        if target.is_dir() and not target.is_symlink():
            if not _junk(target, delete_junk):
                continue
        elif target.exists():
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
            if mode == "instrument" and directory.is_dir() and not link_path.is_symlink() \
                    and _junk(link_path, delete_junk):
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

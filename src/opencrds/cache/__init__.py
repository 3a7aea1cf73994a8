"""The on-disk CRDS cache (layout shared with the real CRDS client)."""

from .locking import FileLock, cache_lock
from .paths import (
    branch_dir,
    file_path,
    mapping_candidates,
    observatory_of,
    readonly,
    reference_path,
    subdir_mode,
)

__all__ = ["FileLock", "branch_dir", "cache_lock", "file_path", "mapping_candidates",
           "observatory_of", "readonly", "reference_path", "subdir_mode"]

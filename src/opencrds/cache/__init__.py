"""The on-disk CRDS cache (layout shared with the real CRDS client)."""

from .paths import branch_dir, mapping_candidates, observatory_of

__all__ = ["branch_dir", "mapping_candidates", "observatory_of"]

"""Where a CRDS cache keeps things: the ``CRDS_PATH`` layout and ``CRDS_*PATH`` overrides
(TOOLS.md §4.1), shared with the real CRDS client."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

BRANCHES = {"mappings": "MAP", "references": "REF", "config": "CFG", "pickles": "PICKLE"}
DEFAULT_CACHE = "/grp/crds/cache"


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value.rstrip("/") or "/" if value else None


def branch_dir(branch: str, observatory: str, environ: Mapping[str, str] | None = None) -> Path:
    """The directory of ``branch`` ('mappings', 'references', 'config', 'pickles') for
    ``observatory``, by the first of the CRDS variables that is set."""
    env = os.environ if environ is None else environ
    tag = BRANCHES[branch]
    if value := _env(env, f"CRDS_{tag}PATH_SINGLE"):
        return Path(value)
    if value := _env(env, f"CRDS_{tag}PATH"):
        return Path(value) / observatory
    if value := _env(env, "CRDS_PATH_SINGLE"):
        return Path(value) / branch
    root = _env(env, "CRDS_PATH") or _env(env, "CRDS_DEFAULT_CACHE") or DEFAULT_CACHE
    return Path(root) / branch / observatory


def observatory_of(name: str) -> str:
    """The observatory prefix of a CRDS file name (``jwst_0541.pmap`` -> ``jwst``)."""
    base = os.path.basename(name)
    for separator in ("_", "."):
        if separator in base:
            return base.split(separator, 1)[0].lower()
    return base.lower()


def mapping_candidates(name: str, root: str | os.PathLike[str] | None = None,
                       environ: Mapping[str, str] | None = None) -> list[Path]:
    """Paths where the mapping ``name`` may be, most likely first.

    With ``root``, the standard layout ``<root>/mappings/<obs>/<name>`` and the flat layouts
    ``<root>/mappings/<name>`` and ``<root>/<name>``; without it, the CRDS variables decide.
    """
    base = os.path.basename(name)
    observatory = observatory_of(base)
    if root is not None:
        root = Path(root)
        return [root / "mappings" / observatory / base, root / "mappings" / base, root / base]
    return [branch_dir("mappings", observatory, environ) / base]

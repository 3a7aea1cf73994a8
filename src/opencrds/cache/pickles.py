"""Context pickles in ``pickles/<obs>/`` (TOOLS.md §2.2 ``--save-pickles``, ``--clear-pickles``).

A pickle holds the text of every mapping in a context's closure (checked when loaded), so the
context loads from one file without reading the mapping branch. It is OpenCRDS's own format
(``{"format": FORMAT, "context": name, "texts": {mapping: text}}``), so it is named
``<context>.opencrds.pkl``: crds, with ``CRDS_USE_PICKLED_CONTEXTS=1``, would take a
``<context>.pkl`` for one of its own and fail on it. ``--clear-pickles`` removes both kinds.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

from ..rules.errors import CrdsError
from ..rules.loader import MappingLoader
from ..rules.mappings import BaseMapping
from .paths import branch_dir, observatory_of, readonly
from .storage import remove, write_verified

log = logging.getLogger("opencrds")
FORMAT = "opencrds-context-texts-1"


class PickleError(CrdsError):
    """A context pickle is missing, unreadable or not ours."""


def pickle_path(context: str) -> Path:
    """``pickles/<obs>/<context>.opencrds.pkl``."""
    return branch_dir("pickles", observatory_of(context)) / f"{context}.opencrds.pkl"


def cached_pickles(observatory: str) -> list[Path]:
    folder = branch_dir("pickles", observatory)
    return sorted(folder.glob("*.pkl")) if folder.is_dir() else []


def clear_pickles(observatory: str) -> int:
    """Remove every context pickle of ``observatory``; how many were removed."""
    removed = 0
    for path in cached_pickles(observatory):
        log.debug("CACHE removing: '%s'", path)
        removed += remove(path)
    return removed


def save_pickle(mapping: BaseMapping, texts: dict[str, str]) -> Path | None:
    """Write the pickle of ``mapping`` from the ``texts`` of its closure (None if read-only)."""
    if readonly():
        return None
    names = mapping.mapping_names()
    missing = [n for n in names if n not in texts]
    if missing:
        raise PickleError(f"no text for {missing[:3]} to pickle '{mapping.basename}'")
    payload = {"format": FORMAT, "context": mapping.basename,
               "texts": {n: texts[n] for n in names}}
    path = pickle_path(mapping.basename)
    write_verified(path, [pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)])
    return path


def load_pickle(context: str, *, ignore_checksum: bool = False) -> BaseMapping:
    """The context ``context`` loaded from its pickle (sha1sums checked unless told)."""
    path = pickle_path(context)
    try:
        payload: Any = pickle.loads(path.read_bytes())  # noqa: S301  (our own cache file)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise PickleError(f"cannot read context pickle '{path}': {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PickleError(f"'{path}' is not an OpenCRDS context pickle")
    texts: dict[str, str] = payload["texts"]

    def source(name: str) -> str:
        try:
            return texts[name.rsplit("/", 1)[-1]]
        except KeyError:
            raise PickleError(f"mapping '{name}' is not in pickle '{path}'") from None

    import opencrds.observatories  # noqa: F401  (registers the observatory conventions)

    return MappingLoader(source, ignore_checksum=ignore_checksum).load(context)

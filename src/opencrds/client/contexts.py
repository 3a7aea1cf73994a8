"""Loading contexts from a CRDS cache: ``opencrds.load_context``."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from ..cache.paths import cache_environ, mapping_candidates
from ..rules.errors import MappingError
from ..rules.loader import MappingLoader
from ..rules.mappings import BaseMapping

log = logging.getLogger("opencrds")
_TRUE = ("1", "true", "yes", "t", "on")
_loaders: dict[Any, MappingLoader] = {}
_lock = threading.Lock()


def _ignore_checksum_from_env() -> bool:
    return os.environ.get("CRDS_IGNORE_MAPPING_CHECKSUM", "").strip().lower() in _TRUE


class CacheTextSource:
    """Reads mapping text from a cache root (or the CRDS variables), after ``extra_dirs``."""

    def __init__(self, root: str | os.PathLike[str] | None,
                 extra_dirs: tuple[Path, ...] = ()) -> None:
        self.root = root
        self.extra_dirs = extra_dirs
        self.environ = dict(cache_environ()) if root is None else None

    def candidates(self, name: str) -> list[Path]:
        base = os.path.basename(name)
        return [d / base for d in self.extra_dirs] + mapping_candidates(
            base, self.root, self.environ)

    def __call__(self, name: str) -> str:
        tried = self.candidates(name)
        for path in tried:
            try:
                with open(path, encoding="utf-8", newline=None) as stream:
                    return stream.read()
            except FileNotFoundError:
                continue
            except IsADirectoryError:
                continue
            except UnicodeDecodeError as exc:
                raise MappingError(f"mapping text is not UTF-8: {exc}", str(path)) from None
        where = ", ".join(str(p) for p in tried)
        raise MappingError(f"mapping '{os.path.basename(name)}' not found (looked in {where})",
                           os.path.basename(name))


def get_loader(cache: str | os.PathLike[str] | None = None, *, ignore_checksum: bool = False,
               extra_dirs: tuple[Path, ...] = ()) -> MappingLoader:
    """A shared loader for ``cache``: every context loaded through it shares mapping objects."""
    import opencrds.observatories  # noqa: F401  (registers the observatory conventions)

    ignore = ignore_checksum or _ignore_checksum_from_env()
    if cache is not None:
        where: Any = str(Path(cache).resolve())
    else:
        where = tuple(sorted((k, v) for k, v in cache_environ().items()
                             if k.startswith("CRDS_")))
    key = (where, extra_dirs, ignore)
    with _lock:
        loader = _loaders.get(key)
        if loader is None:
            loader = _loaders[key] = MappingLoader(
                CacheTextSource(cache, extra_dirs), ignore_checksum=ignore)
    return loader


def load_context(name: str | os.PathLike[str], *, cache: str | os.PathLike[str] | None = None,
                 ignore_checksum: bool = False) -> BaseMapping:
    """Load a context (or any mapping) by name from a CRDS cache, or from a path.

    ``cache`` is a cache root; by default ``$CRDS_PATH`` and the other CRDS variables decide.
    A path to a mapping file loads it, and its children from its own directory first.
    """
    text = os.fspath(name)
    path = Path(text)
    extra: tuple[Path, ...] = ()
    if os.sep in text or path.is_file():
        if not path.is_file():
            raise MappingError(f"no such mapping file: {text}", text)
        extra = (path.resolve().parent,)
    if not extra and cache is None and path.suffix == ".pmap":
        pickled = _load_pickled(path.name, ignore_checksum)
        if pickled is not None:
            return pickled
    loader = get_loader(cache, ignore_checksum=ignore_checksum, extra_dirs=extra)
    mapping = loader.load(path.name)
    if not extra and cache is None and path.suffix == ".pmap":
        _auto_pickle(mapping)
    return mapping


def _load_pickled(name: str, ignore_checksum: bool) -> BaseMapping | None:
    """``name`` from its pickle when ``CRDS_USE_PICKLED_CONTEXTS`` is set and one exists."""
    from ..cache.paths import env_flag
    from ..cache.pickles import PickleError, load_pickle, pickle_path

    if not env_flag("CRDS_USE_PICKLED_CONTEXTS") or not pickle_path(name).is_file():
        return None
    try:
        return load_pickle(name, ignore_checksum=ignore_checksum or _ignore_checksum_from_env())
    except PickleError as exc:
        log.warning("%s; loading '%s' from its mappings instead", exc, name)
        return None


def _auto_pickle(mapping: BaseMapping) -> None:
    """Save the pickle of a just-loaded context when ``CRDS_AUTO_PICKLE_CONTEXTS`` is set."""
    from ..cache.paths import env_flag
    from ..cache.pickles import pickle_path, save_pickle
    from ..rules.errors import CrdsError

    if not env_flag("CRDS_AUTO_PICKLE_CONTEXTS") or pickle_path(mapping.basename).is_file():
        return
    source = CacheTextSource(None)
    try:
        save_pickle(mapping, {name: source(name) for name in mapping.mapping_names()})
    except (CrdsError, OSError) as exc:
        log.warning("Could not pickle context '%s': %s", mapping.basename, exc)

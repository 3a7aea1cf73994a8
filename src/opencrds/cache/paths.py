"""Where a CRDS cache keeps things: the ``CRDS_PATH`` layout and ``CRDS_*PATH`` overrides
(TOOLS.md §4.1), shared with the real CRDS client."""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import ParamSpec, TypeVar

BRANCHES = {"mappings": "MAP", "references": "REF", "config": "CFG", "pickles": "PICKLE"}
DEFAULT_CACHE = "/grp/crds/cache"

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: CRDS_* settings that replace the environment's for the current thread or task.
_overrides: ContextVar[Mapping[str, str]] = ContextVar(
    "opencrds_cache_overrides", default=MappingProxyType({}))


@contextmanager
def cache_overrides(values: Mapping[str, str]) -> Iterator[None]:
    """Within the block, the cache reads ``values`` (``{"CRDS_READONLY_CACHE": "1"}``) instead
    of those variables of ``os.environ``, in this thread or task only: a library caller
    configures one run without writing the process environment."""
    token = _overrides.set({**_overrides.get(), **values})
    try:
        yield
    finally:
        _overrides.reset(token)


def carrying_overrides(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` made to run with the caller's ``cache_overrides`` (for worker threads)."""
    overrides = _overrides.get()

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        token = _overrides.set(overrides)
        try:
            return function(*args, **kwargs)
        finally:
            _overrides.reset(token)

    return run


def cache_environ() -> Mapping[str, str]:
    """``os.environ`` with the current ``cache_overrides`` applied."""
    overrides = _overrides.get()
    return ChainMap(dict(overrides), os.environ) if overrides else os.environ


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value.rstrip("/") or "/" if value else None


def branch_dir(branch: str, observatory: str, environ: Mapping[str, str] | None = None) -> Path:
    """The directory of ``branch`` ('mappings', 'references', 'config', 'pickles') for
    ``observatory``, by the first of the CRDS variables that is set."""
    env = cache_environ() if environ is None else environ
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


def named_observatory(name: str) -> str | None:
    """The registered observatory a file's name carries as its prefix (``hst_0611.pmap`` ->
    hst, ``roman_wfi_dark_0001.asdf`` -> roman), None if it names none (HST CDBS references
    such as ``z2d19237l_1dx.fits``)."""
    from ..observatories import registered_observatories

    observatory = observatory_of(name)
    return observatory if observatory in registered_observatories() else None


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


# ---- references, modes and flags ------------------------------------------------------------

_TRUE = ("1", "true", "yes", "t", "on")
SUBDIR_MODES = ("flat", "instrument", "legacy")
#: HST CDBS name suffix letter -> instrument directory, and the IRAF prefix links of §4.2.
HST_LETTERS = {"j": "acs", "i": "wfc3", "o": "stis", "l": "cos", "n": "nicmos", "u": "wfpc2",
               "w": "wfpc2", "x": "foc", "y": "fos", "z": "hrs", "v": "hsp", "m": "synphot"}
HST_LINKS = {"acs": "jref", "wfc3": "iref", "stis": "oref", "cos": "lref", "nicmos": "nref",
             "wfpc2": "uref"}


def env_flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """A CRDS boolean variable (``1/true/yes/t/on`` in any case)."""
    env = cache_environ() if environ is None else environ
    return env.get(name, "").strip().lower() in _TRUE


def env_flag_default(name: str) -> bool:
    """A boolean variable that is true when unset or empty (``CRDS_DOWNLOAD_CHECKSUMS``)."""
    value = os.environ.get(name)
    return True if value is None or value == "" else env_flag(name)


def readonly(environ: Mapping[str, str] | None = None) -> bool:
    """True when the cache must not be written (``CRDS_READONLY_CACHE``)."""
    return env_flag("CRDS_READONLY_CACHE", environ)


def root_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The config path of the pseudo-observatory ``all`` without its ``/all`` (§4.1)."""
    path = branch_dir("config", "all", environ)
    return path.parent if path.name == "all" else path


def subdir_mode(observatory: str, environ: Mapping[str, str] | None = None) -> str:
    """The reference organisation of ``observatory`` (``config/<obs>/ref_cache_subdir_mode``).

    A missing file is created (unless the cache is read-only): ``flat`` when the references
    directory holds more than 20 entries, else ``instrument``.
    """
    env = cache_environ() if environ is None else environ
    if any(env.get(f"CRDS_{tag}PATH_SINGLE") for tag in ("REF",)):
        return "flat"
    path = branch_dir("config", observatory, env) / "ref_cache_subdir_mode"
    try:
        mode = path.read_text().strip()
    except OSError:
        mode = ""
    if mode in SUBDIR_MODES:
        return mode
    refdir = branch_dir("references", observatory, env)
    count = len(os.listdir(refdir)) if refdir.is_dir() else 0
    mode = "flat" if count > 20 else "instrument"
    if not readonly(env):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(mode + "\n")
        except OSError:
            pass
    return mode


def instrument_of_reference(name: str) -> str:
    """The instrument of a reference from its name (``unknown`` when it cannot tell)."""
    from ..rules.naming import properties_from_reference_name

    base = os.path.basename(name)
    try:
        return properties_from_reference_name(base).instrument
    except ValueError:
        pass
    stem = base.split(".", 1)[0]
    if named_observatory(base) in (None, "hst") and "_" in stem:  # an HST CDBS name
        return HST_LETTERS.get(stem.split("_", 1)[0][-1:].lower(), "unknown")
    return "unknown"


def reference_path(name: str, observatory: str | None = None,
                   environ: Mapping[str, str] | None = None, *, mode: str | None = None,
                   instrument: str | None = None) -> Path:
    """Where the reference ``name`` lives in the cache, by the organisation ``mode``: under
    the observatory its name carries, else ``observatory``."""
    base = os.path.basename(name)
    observatory = named_observatory(base) or observatory or observatory_of(base)
    refdir = branch_dir("references", observatory, environ)
    mode = mode or subdir_mode(observatory, environ)
    if mode == "flat":
        return refdir / base
    return refdir / (instrument or instrument_of_reference(base)) / base


def file_path(name: str, observatory: str | None = None,
              environ: Mapping[str, str] | None = None) -> Path:
    """The cache path of any CRDS file: mapping, reference or ``server_config``, under the
    observatory its name carries (``hst_0611.pmap`` is an HST file whatever the default
    observatory), else ``observatory``."""
    from ..rules.naming import is_mapping

    base = os.path.basename(name)
    observatory = named_observatory(base) or observatory or observatory_of(base)
    if is_mapping(base):
        return branch_dir("mappings", observatory, environ) / base
    if base.endswith(".pkl"):
        return branch_dir("pickles", observatory, environ) / base
    return reference_path(base, observatory, environ)

"""What certification runs against: options, observatory definitions, the comparison context
and the cache."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..cache.config import read_cached_server_info
from ..cache.paths import branch_dir
from ..observatories import registered_observatories
from ..observatories.crds_format import load_crds_definitions
from ..observatories.definitions import DefinitionError, ObservatoryDefinition
from ..observatories.generic import read_definitions

log = logging.getLogger("opencrds.certify")

DEFINITIONS_VAR = "OPENCRDS_DEFINITIONS_PATH"


class Unprefixed(str):
    """An ERROR message logged as it is, without the ``instrument=.. type=.. data=.. ::``
    prefix (as crds logs rmap and synphot findings)."""

Report = Callable[[str, str], None]


@dataclass
class CertifyOptions:
    """Switches of ``certify`` that change what is checked (TOOLS.md §2.3)."""

    observatory: str | None = None
    comparison_context: str | None = None
    comparison_reference: str | None = None
    deep: bool = False
    exist: bool = False
    dont_recurse_mappings: bool = False
    dont_parse: bool = False
    dump_provenance: bool = False
    check_rmap_updates: bool = True
    #: compare a new table's modes with the reference it replaces (a submission's "Compare
    #: Old Reference"); off, the table is checked on its own
    compare_old_reference: bool = True
    cache: str | None = None
    definitions_dirs: tuple[str, ...] = field(default_factory=tuple)


def definitions_dirs(options: CertifyOptions) -> list[Path]:
    """Directories that may hold ``<observatory>/`` definitions."""
    dirs = list(options.definitions_dirs)
    dirs += [d for d in os.environ.get(DEFINITIONS_VAR, "").split(os.pathsep) if d]
    return [Path(d) for d in dirs]


@functools.lru_cache(maxsize=16)
def _load(path: str) -> ObservatoryDefinition:
    root = Path(path)
    if (root / "specs").is_dir():
        return load_crds_definitions(root)
    return read_definitions(root)


def definition_for(observatory: str, options: CertifyOptions) -> ObservatoryDefinition | None:
    """The definitions of ``observatory``, or None when there are none.

    Looked for in order: the directories of ``options`` (``--definitions``; the server's
    store), ``$OPENCRDS_DEFINITIONS_PATH``, a mission registered from data, and the
    definitions shipped with opencrds (``observatories/missions/<obs>``).
    """
    for root in definitions_dirs(options):
        for candidate in (root / observatory, root):
            if (candidate / "specs").is_dir() or (candidate / "observatory.yaml").is_file():
                if candidate.name == observatory or candidate == root / observatory:
                    return _load(str(candidate))
    from ..observatories.generic import mission_path, registered_definition

    registered = registered_definition(observatory)
    if registered is not None:
        return registered
    try:
        return _load(str(mission_path(observatory.lower())))
    except DefinitionError:
        return None


def no_definitions_message(observatory: str) -> str:
    """The error of a file whose observatory has no definitions: nothing can be checked."""
    return (f"No observatory definitions for {observatory!r}: its files cannot be certified "
            f"(give them with --definitions DIR or ${DEFINITIONS_VAR})")


def _cache_env(options: CertifyOptions) -> dict[str, str]:
    env = dict(os.environ)
    if options.cache:
        env["CRDS_PATH"] = options.cache
    return env


def mapping_path(name: str, observatory: str, options: CertifyOptions) -> Path:
    """Where mapping ``name`` is in the cache."""
    return branch_dir("mappings", observatory, _cache_env(options)) / os.path.basename(name)


def reference_path(name: str, observatory: str, options: CertifyOptions) -> Path | None:
    """The cached copy of reference ``name`` (flat or instrument sub-directory), or None."""
    root = branch_dir("references", observatory, _cache_env(options))
    base = os.path.basename(name)
    candidates = [root / base]
    parts = base.split("_")
    if len(parts) > 1:
        candidates.append(root / parts[1] / base)
    candidates += list(root.glob(f"*/{base}")) if root.is_dir() else []
    return next((c for c in candidates if c.is_file()), None)


def default_context(observatory: str, options: CertifyOptions) -> str | None:
    """The operational context from the cached ``server_config``, else the newest pmap."""
    config = branch_dir("config", observatory, _cache_env(options)) / "server_config"
    info = read_cached_server_info(config)
    for context in (info.operational_context, info.edit_context):
        if isinstance(context, str):
            return context
    mappings = branch_dir("mappings", observatory, _cache_env(options))
    pmaps = sorted(p.name for p in mappings.glob(f"{observatory}_[0-9]*.pmap"))
    return pmaps[-1] if pmaps else None


_TELESCOPE_KEYS = ("TELESCOP", "META.TELESCOPE", "ROMAN.META.TELESCOPE")
_INSTRUMENT_KEYS = ("INSTRUME", "META.INSTRUMENT.NAME", "ROMAN.META.INSTRUMENT.NAME")
DEFAULT_OBSERVATORY = "jwst"


def observatory_of_name(name: str | None) -> str | None:
    """The registered observatory a context or file name starts with (``hst_0729.pmap`` ->
    ``hst``)."""
    base = os.path.basename(name or "").lower()
    for obs in registered_observatories():
        if base == obs or base.startswith((obs + "_", obs + ".", obs + "-")):
            return obs
    return None


def observatory_for(path: str, options: CertifyOptions,
                    environ: dict[str, str] | None = None) -> str:
    """The observatory a file is certified for, worked out as crds does: the ``--hst``/
    ``--jwst``/``--roman`` switch, else the ``--comparison-context``'s observatory, else
    ``$CRDS_OBSERVATORY``, else the file itself (its name, a mapping's header, a reference's
    telescope or instrument keyword), else JWST."""
    env = os.environ if environ is None else environ
    if options.observatory:
        return options.observatory.lower()
    from_context = observatory_of_name(options.comparison_context)
    if from_context:
        return from_context
    named = env.get("CRDS_OBSERVATORY", "").strip().lower()
    if named:
        return named
    return observatory_in_file(path) or DEFAULT_OBSERVATORY


def observatory_in_file(path: str) -> str | None:
    """The observatory a file names: by its name, a mapping's ``observatory`` header, or a
    reference's telescope keyword (an instrument only one observatory has also tells)."""
    from ..rules.naming import is_mapping

    hint = ""
    if is_mapping(path):
        try:
            with open(path, encoding="utf-8") as stream:
                hint = stream.read(2000)
        except (OSError, UnicodeDecodeError):
            pass
    found = observatory_of_file(path, hint)
    if found or is_mapping(path) or not os.path.isfile(path):
        return found
    from ..io import HeaderError, read_header

    try:
        header = read_header(path)
    except (HeaderError, OSError, ValueError):
        return None
    for key in _TELESCOPE_KEYS:
        telescope = observatory_of_name(header.get(key, "").strip().lower())
        if telescope:
            return telescope
    instrument = next((header[k].strip().lower() for k in _INSTRUMENT_KEYS
                       if header.get(k, "UNDEFINED") != "UNDEFINED"), None)
    if instrument:
        owners = [obs for obs in registered_observatories()
                  if instrument in _instruments_of(obs)]
        if len(owners) == 1:
            return owners[0]
    return None


def _instruments_of(observatory: str) -> frozenset[str]:
    """The instruments of a mission registered from data, else of its shipped definitions."""
    from ..observatories.generic import registered_definition

    registered = registered_definition(observatory)
    if registered is not None:
        return frozenset(registered.instruments)
    return _shipped_instruments(observatory)


@functools.lru_cache(maxsize=8)
def _shipped_instruments(observatory: str) -> frozenset[str]:
    from ..observatories.generic import mission_path

    try:
        return frozenset(_load(str(mission_path(observatory))).instruments)
    except DefinitionError:
        return frozenset()


def observatory_of_file(path: str, text_hint: str = "") -> str | None:
    """The observatory implied by a file name (or a mapping's header text)."""
    if named := observatory_of_name(path):
        return named
    lowered = text_hint.lower()
    for obs in registered_observatories():
        if f"'observatory' : '{obs}'" in lowered or f"'observatory': '{obs}'" in lowered:
            return obs
    return None

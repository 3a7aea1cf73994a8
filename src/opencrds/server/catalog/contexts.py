"""Resolving context specifications and loading mappings from the file store.

Mappings load through one :class:`MappingLoader` per catalog revision (kept in the
:mod:`revision cache <.revision_cache>`), so compiled rules stay warm across requests. Failures
are :mod:`catalog errors <.errors>`: the protocol layer decides what a client sees.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from opencrds.cache.paths import env_flag
from opencrds.rules.errors import CrdsError, MappingError
from opencrds.rules.loader import MappingLoader
from opencrds.rules.mappings import BaseMapping, PipelineContext

from . import queries
from .errors import (
    ContextLoadFailed,
    InvalidObservatory,
    UnavailableFile,
    UnknownContext,
    UnknownFile,
)
from .filestore import get_file_store, is_safe_name
from .models import BuildContext, ContextHistory
from .revision_cache import REVISION_CHECK_SECONDS, cache

_TAGS = {"latest": "operational", "operational": "operational", "edit": "edit",
         "versions": "versions", "build": "build"}
_DATE = r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"
#: ``<obs>[-<instr>[-<filekind>]]-<tag-or-date>`` or a bare date (TOOLS.md §3.1).
SPEC_RE = re.compile(
    rf"(?:(?P<obs>[a-z]{{2,9}})(?:-(?P<instr>[a-z][a-z0-9]{{1,16}})"
    rf"(?:-(?P<kind>[a-z][a-z0-9\-]{{1,32}}?))?)?-)?(?P<when>{_DATE}|{'|'.join(_TAGS)})")
_MAPPING_SUFFIXES = (".pmap", ".imap", ".rmap")


def register_store_definitions() -> None:
    """Register the missions defined by data whose definitions the store holds."""
    from opencrds.observatories.generic import register_definitions

    for path in get_file_store().definition_folders():
        if (path / "observatory.yaml").is_file() or (path / "specs").is_dir():
            register_definitions(path)


def _new_loader(observatory: str) -> MappingLoader:
    import opencrds.observatories  # noqa: F401  (registers the observatory conventions)

    register_store_definitions()
    store = get_file_store()

    def read_text(name: str) -> str:
        base = name.rsplit("/", 1)[-1]
        try:
            return store.read_text(observatory, base, "mappings")
        except UnicodeDecodeError as exc:
            raise MappingError(f"mapping text is not UTF-8: {exc}", base) from None
        except (OSError, ValueError):
            raise MappingError(f"mapping '{base}' not found in the store", base) from None

    return MappingLoader(read_text, ignore_checksum=env_flag("CRDS_IGNORE_MAPPING_CHECKSUM"))


def loader(observatory: str | None = None) -> MappingLoader:
    """The loader of the served observatory's mappings for the current catalog revision."""
    observatory = observatory or queries.server_observatory()
    return cache.get(observatory, "mapping loader", lambda _: _new_loader(observatory),
                     max_age=REVISION_CHECK_SECONDS)


def check_observatory(observatory: str | None) -> str:
    """The served observatory; an error if the caller asked about another one."""
    served = queries.server_observatory()
    if observatory not in (None, "", served):
        raise InvalidObservatory(
            f"this server serves observatory '{served}', not '{observatory}'")
    return served


def require_mapping(name: str) -> None:
    """An error unless ``name`` is a downloadable mapping of the served observatory.

    Names found so are remembered for the catalog revision, so a warm bestrefs request makes
    no database query at all."""
    observatory = queries.server_observatory()
    available: set[str] = cache.get(observatory, "available mappings", lambda _: set(),
                                    max_age=REVISION_CHECK_SECONDS)
    if name in available:
        return
    if not is_safe_name(name) or not name.endswith(_MAPPING_SUFFIXES):
        raise UnknownContext(f"'{name}' is not a CRDS mapping name")
    record = queries.file_record(observatory, name)
    if record is None or record["type"] != "mapping":
        raise UnknownFile(f"File '{name}' is not known to CRDS.")
    if not record["available"]:
        raise UnavailableFile(f"File '{name}' is not yet available.")
    available.add(name)


def load(name: str) -> BaseMapping:
    """The mapping ``name`` (checked against the catalog), loaded through the warm loader."""
    require_mapping(name)
    try:
        return loader().load(name)
    except CrdsError as exc:
        raise ContextLoadFailed(f"cannot load '{name}': {exc}", exc) from None


def load_pipeline(spec: str) -> PipelineContext:
    """A .pmap by name or spec."""
    mapping = load(resolve(spec))
    if not isinstance(mapping, PipelineContext):
        raise UnknownContext(f"'{spec}' is not a pipeline context (.pmap)")
    return mapping


def history_at(observatory: str, when: str) -> str:
    """The operational context at the date ``when``; ValueError for a malformed date."""
    moment = datetime.datetime.fromisoformat(when.upper().replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    entry = (ContextHistory.objects.filter(observatory=observatory, start_date__lte=moment)
             .order_by("-start_date", "-id").values_list("context", flat=True).first())
    if entry is None:
        raise UnknownContext(f"no context was in use at {when}")
    return entry


def latest_build(observatory: str) -> str:
    """The build context shown in the banner, else the most recently set one."""
    rows = queries.build_contexts(observatory)
    for _calver, context, banner in rows:
        if banner:
            return context
    if rows:
        return rows[0][1]
    raise UnknownContext(f"no build context is defined for '{observatory}'")


def default_context(observatory: str, state: str | None) -> str:
    """The context named by a default-context state (None / latest / operational / edit...)."""
    kind = _TAGS.get((state or "latest").lower())
    if kind is None:
        raise UnknownContext(f"unknown context state '{state}'")
    if kind == "build":
        return latest_build(observatory)
    context = queries.default_contexts(observatory).get(kind, "")
    if not context:
        raise UnknownContext(f"no {kind} context is defined for '{observatory}'")
    return context


def resolve(spec: str, observatory: str | None = None) -> str:
    """The mapping name a literal name or a symbolic/date spec stands for."""
    served = check_observatory(observatory)
    if spec.endswith(_MAPPING_SUFFIXES):
        return spec
    match = SPEC_RE.fullmatch(spec.strip().lower())
    if match is None:
        raise UnknownContext(f"'{spec}' is neither a mapping name nor a context specification")
    if match.group("obs") not in (None, served):
        raise InvalidObservatory(f"this server serves observatory '{served}', not "
                                 f"'{match.group('obs')}'")
    when = match.group("when")
    if when in _TAGS:
        pmap = default_context(served, when)
    else:
        try:
            pmap = history_at(served, when)
        except ValueError:
            raise UnknownContext(f"invalid date in '{spec}'") from None
    instrument, filekind = match.group("instr"), match.group("kind")
    if instrument is None:
        return pmap
    return _child(load(pmap), instrument, filekind, spec)


def _child(pmap: Any, instrument: str, filekind: str | None, spec: str) -> str:
    imap_name = pmap.child_name(instrument) if isinstance(pmap, PipelineContext) else None
    if not imap_name or not imap_name.endswith(".imap"):
        raise UnknownContext(f"'{spec}': no instrument '{instrument}' in {pmap.basename}")
    if filekind is None:
        return imap_name
    rmap_name = load(imap_name).child_name(filekind)
    if not rmap_name or not rmap_name.endswith(".rmap"):
        raise UnknownContext(f"'{spec}': no type '{filekind}' in {imap_name}")
    return rmap_name


def build_context(observatory: str, calver: str) -> str:
    """The context of a CAL version: exact, else the closest previous patch of its release."""
    rows = dict(BuildContext.objects.filter(observatory=observatory)
                .values_list("calver", "context"))
    if calver in rows:
        return rows[calver]
    wanted = _version(calver)
    if wanted is None:
        raise UnknownContext(f"invalid CAL version '{calver}'")
    candidates = [(v, context) for text, context in rows.items()
                  if (v := _version(text)) and v[:2] == wanted[:2] and v <= wanted]
    if not candidates:
        raise UnknownContext(f"no build context for {observatory} CAL version '{calver}'")
    return max(candidates)[1]


def _version(text: str) -> tuple[int, ...] | None:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if match is None:
        return None
    return tuple(int(part or 0) for part in match.groups())

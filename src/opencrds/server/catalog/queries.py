"""Read-side catalog queries shared by the RPC methods, downloads and health."""

from __future__ import annotations

import datetime
import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q

from opencrds.rules.errors import CrdsError

from .errors import ContextLoadFailed, NotConfigured
from .models import BuildContext, ContextHistory, DefaultContext, FileRecord, RemoteContext
from .revision_cache import Revision, cache

#: The fields of get_file_info / get_file_info_map (PROTOCOL.md §2.2), all sent as strings.
FILE_INFO_FIELDS = (
    "activation_date", "aperture", "blacklisted", "change_level", "comment", "creator_name",
    "deliverer_user", "delivery_date", "derived_from", "description", "filekind", "instrument",
    "name", "observatory", "pedigree", "reference_file_type", "rejected", "replaced_by_filename",
    "sha1sum", "size", "state", "type", "uploaded_as", "useafter_date",
)
_DATE_FIELDS = frozenset(("activation_date", "delivery_date", "useafter_date"))
_BOOL_FIELDS = frozenset(("blacklisted", "rejected"))


def format_date(value: datetime.datetime | None) -> str:
    """A catalog date as CRDS prints it: ``2019-09-09 16:09:51[.ffffff]`` (UTC)."""
    if value is None:
        return "N/A"
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return str(value)


def server_observatory() -> str:
    """The one observatory this server serves (setting, else the only one imported, found
    once per process)."""
    if settings.OPENCRDS_OBSERVATORY:
        return settings.OPENCRDS_OBSERVATORY
    return cache.observatory(_only_observatory)


def _only_observatory() -> str:
    found = sorted(set(DefaultContext.objects.values_list("observatory", flat=True)))
    if len(found) != 1:
        raise NotConfigured(
            "set OPENCRDS_OBSERVATORY (opencrds serve --observatory NAME): the catalog "
            f"holds {found or 'no observatory'}")
    return found[0]


def revision(observatory: str) -> Revision:
    """The current revision of ``observatory``'s catalog (read now)."""
    return cache.revision(observatory)


def default_contexts(observatory: str) -> dict[str, str]:
    """``{'operational': ..., 'edit': ..., 'versions': ...}`` (missing ones blank)."""
    values = dict.fromkeys(DefaultContext.Kind.values, "")
    values.update(DefaultContext.objects.filter(observatory=observatory)
                  .values_list("kind", "context"))
    return values


def context_pointers(observatory: str) -> dict[str, tuple[str, datetime.datetime | None]]:
    """``{kind: (context, since)}`` of the default contexts set: ``since`` is the start of the
    newest history entry for the operational one, else when the pointer was last set."""
    pointers = {kind: (context, updated) for kind, context, updated in
                DefaultContext.objects.filter(observatory=observatory)
                .values_list("kind", "context", "updated")}
    started = (ContextHistory.objects.filter(observatory=observatory)
               .order_by("-start_date", "-id").values_list("start_date", flat=True).first())
    if "operational" in pointers and started is not None:
        pointers["operational"] = (pointers["operational"][0], started)
    return pointers


def build_contexts(observatory: str) -> list[tuple[str, str, bool]]:
    """(calver, context, banner) rows, newest first."""
    return list(BuildContext.objects.filter(observatory=observatory)
                .values_list("calver", "context", "banner"))


def context_history(observatory: str) -> list[list[str]]:
    """``[[start_date, context, description], ...]`` newest first, as server_config has it."""
    rows = (ContextHistory.objects.filter(observatory=observatory)
            .order_by("-start_date", "-id").values_list("start_date", "context", "description"))
    return [[format_date(date), context, description] for date, context, description in rows]


def file_record(observatory: str, name: str) -> dict[str, Any] | None:
    return FileRecord.objects.filter(observatory=observatory, name=name).values().order_by().first()


def _format(field: str, value: Any) -> str:
    if field in _DATE_FIELDS:
        return format_date(value)
    if field in _BOOL_FIELDS:
        return "true" if value else "false"
    if value is None or (field == "sha1sum" and not value):
        return "none"
    return str(value)


def file_info(record: dict[str, Any], fields: Iterable[str] = FILE_INFO_FIELDS) -> dict[str, str]:
    """The catalog fields of a record as strings (unknown field names are skipped)."""
    return {f: _format(f, record[f]) for f in fields if f in record}


def file_info_map(observatory: str, names: list[str] | None,
                  fields: list[str] | None) -> dict[str, Any]:
    """``{name: {field: str} | "NOT FOUND"}`` for ``names`` (None: every file)."""
    wanted = [f for f in (fields or FILE_INFO_FIELDS) if f in FILE_INFO_FIELDS]
    columns = sorted(set(wanted) | {"name"})
    query = FileRecord.objects.filter(observatory=observatory)
    result: dict[str, Any] = {}
    if names is None:
        rows = query.values(*columns).iterator(chunk_size=5000)
    else:
        rows = []
        unique = sorted(set(names))
        for start in range(0, len(unique), 500):
            rows.extend(query.filter(name__in=unique[start:start + 500]).values(*columns))
        result = dict.fromkeys(names, "NOT FOUND")
    for row in rows:
        result[row["name"]] = {f: _format(f, row[f]) for f in wanted}
    return result


#: Longest glob :func:`list_names` accepts (a file name is at most 255 characters).
MAX_PATTERN = 255


def list_names(observatory: str, kind: str, pattern: str | None) -> list[str]:
    """Names of every catalogued file of ``kind`` matching the glob ``pattern``.

    The pattern is compiled for this call only: ``fnmatch``'s own cache keeps thousands of
    compiled patterns alive for the life of the process."""
    names = (FileRecord.objects.filter(observatory=observatory, type=kind)
             .order_by("name").values_list("name", flat=True))
    if pattern in (None, "", "*"):
        return list(names)
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"glob pattern longer than {MAX_PATTERN} characters")
    match = re.compile(fnmatch.translate(pattern), re.DOTALL).match
    return [n for n in names if match(n)]


def available_files(observatory: str) -> list[tuple[str, str, str, int | None]]:
    """(name, type, sha1sum, size) of every downloadable file."""
    return list(FileRecord.objects.filter(observatory=observatory, available=True)
                .order_by("name").values_list("name", "type", "sha1sum", "size"))


def bad_files(observatory: str) -> list[str]:
    return sorted(FileRecord.objects.filter(observatory=observatory)
                  .filter(Q(rejected=True) | Q(blacklisted=True))
                  .values_list("name", flat=True))


def remote_context(observatory: str, pipeline: str) -> str:
    """The context ``pipeline`` last pushed ('' if none)."""
    return (RemoteContext.objects.filter(observatory=observatory, name=pipeline)
            .values_list("context", flat=True).first()) or ""


def remote_contexts(observatory: str) -> list[dict[str, Any]]:
    """Every registered pipeline: ``{"name", "kind", "context", "updated"}`` by name (context
    '' and updated None until it first pushes)."""
    return list(RemoteContext.objects.filter(observatory=observatory).order_by("name")
                .values("name", "kind", "context", "updated"))


def pipeline_contexts(observatory: str) -> list[str]:
    """Names of the downloadable .pmaps of ``observatory``, newest (highest serial) first."""
    from opencrds.rules.naming import name_serial

    names = FileRecord.objects.filter(observatory=observatory, type="mapping", available=True,
                                      name__endswith=".pmap").values_list("name", flat=True)
    return sorted(names, key=lambda name: (name_serial(name), name), reverse=True)


# ---- mapping closures and parents (mark bad, set context) ---------------------------------------


def context_closure(observatory: str, context: str) -> tuple[list[str], list[str]]:
    """(mapping names, reference names) of everything ``context`` refers to, itself included
    (loaded through the warm loader; :class:`~.errors.ContextLoadFailed` if it cannot be)."""
    from . import contexts

    mapping = contexts.load(context)
    try:
        return mapping.mapping_names(), mapping.reference_names()
    except CrdsError as exc:
        raise ContextLoadFailed(f"cannot load '{context}': {exc}", exc) from None


def bad_files_in(observatory: str, names: Iterable[str]) -> list[str]:
    """Those of ``names`` the catalog has as bad (rejected or blacklisted), sorted."""
    bad = set(bad_files(observatory))
    return sorted(bad.intersection(names))


def child_mappings(observatory: str, name: str) -> list[str]:
    """The mappings a .pmap or .imap names directly ([] for an .rmap); read from the store
    (the children themselves are not loaded)."""
    from . import contexts

    if name.endswith(".rmap"):
        return []
    mapping = contexts.loader(observatory).load(name)
    return sorted(value for value in getattr(mapping, "selector", {}).values()
                  if isinstance(value, str) and value.endswith(_CHILD_SUFFIX[name[-5:]]))


#: The suffix of the children of each kind of context mapping.
_CHILD_SUFFIX = {".pmap": ".imap", ".imap": ".rmap"}
#: The suffix of the mappings that may name a mapping of each kind.
_PARENT_SUFFIX = {".rmap": ".imap", ".imap": ".pmap"}


def parent_mappings(observatory: str, names: Iterable[str]) -> dict[str, set[str]]:
    """``{parent: {child, ...}}``: the catalogued mappings that name one of ``names`` directly
    (one level up: .rmap -> .imap -> .pmap). Mappings whose bytes the store lacks are skipped;
    one that names a child but cannot be parsed counts as naming it."""
    from . import contexts
    from .filestore import get_file_store

    wanted: dict[str, set[str]] = {}  # parent suffix -> names
    for name in names:
        suffix = _PARENT_SUFFIX.get(name[-5:])
        if suffix:
            wanted.setdefault(suffix, set()).add(name)
    store, load = get_file_store(), contexts.loader(observatory).load
    parents: dict[str, set[str]] = {}
    for suffix, children in wanted.items():
        candidates = FileRecord.objects.filter(observatory=observatory, type="mapping",
                                               available=True, name__endswith=suffix)
        for parent in candidates.values_list("name", flat=True):
            try:
                text = store.read_text(observatory, parent, "mappings")
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            named = {child for child in children if f"'{child}'" in text}
            if not named:
                continue
            try:
                named &= set(getattr(load(parent), "selector", {}).values())
            except CrdsError:
                pass  # unparsable: its text names them, which is enough
            if named:
                parents.setdefault(parent, set()).update(named)
    return parents


def referring_mappings(observatory: str, names: Iterable[str]) -> set[str]:
    """Every catalogued mapping whose closure contains one of ``names`` (transitively: the
    imaps naming an rmap, the pmaps naming those imaps), ``names`` themselves excluded."""
    found: set[str] = set()
    level = set(names)
    while level:
        level = set(parent_mappings(observatory, level)) - found
        found |= level
    return found - set(names)

"""How a file relates to the others: the mappings that name it (directly and up to the
contexts), its previous and next versions, and where an rmap selects it.

Which mappings could name a file is told by CRDS's naming rules (an rmap of a reference's
instrument and type, an imap of an rmap's instrument, any pmap), so finding the users of one
file reads only those candidates' texts; the answer is kept per catalog revision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from opencrds.rules.naming import name_serial
from opencrds.rules.parser import SelectorCall

from ...catalog import queries
from ...catalog.filestore import get_file_store
from ...catalog.models import FileRecord


def names(observatory: str, mapping: str, name: str) -> bool:
    """True if ``mapping``'s text quotes ``name`` (False if the store lacks it)."""
    try:
        data = get_file_store().read_bytes(observatory, mapping, "mappings")
    except (OSError, ValueError):
        return False
    return f"'{name}'".encode() in data


#: A quoted mapping name in a pmap or imap.
_QUOTED_MAPPING = re.compile(rb"'([A-Za-z0-9][A-Za-z0-9_+\-]*\.[ir]map)'")
#: The mappings each pmap and imap names, read once per process (mappings are immutable; the
#: checksum in the key tells apart two catalogs' different files of one name).
_CHILDREN: dict[tuple[str, str, str], frozenset[str]] = {}


def _children(observatory: str, mapping: str, sha1sum: str) -> frozenset[str]:
    key = (observatory, mapping, sha1sum)
    found = _CHILDREN.get(key)
    if found is None:
        try:
            data = get_file_store().read_bytes(observatory, mapping, "mappings")
        except (OSError, ValueError):
            return frozenset()
        found = _CHILDREN[key] = frozenset(n.decode() for n in _QUOTED_MAPPING.findall(data))
    return found


def _parents_index(observatory: str, suffix: str) -> dict[str, list[str]]:
    """``{child: [parents]}`` over every stored mapping with ``suffix`` (.pmap or .imap),
    kept per catalog revision."""
    def compute(_revision: Any) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        records = FileRecord.objects.filter(observatory=observatory, type="mapping",
                                            available=True, name__endswith=suffix)
        for parent, sha1sum in records.order_by().values_list("name", "sha1sum"):
            for child in _children(observatory, parent, sha1sum):
                index.setdefault(child, []).append(parent)
        return index

    return queries.cache.get(observatory, ("browse parents", suffix), compute, max_age=2.0)


def _mappings(observatory: str, suffix: str, prefix: str = "") -> list[str]:
    query = FileRecord.objects.filter(observatory=observatory, type="mapping", available=True,
                                      name__endswith=suffix)
    if prefix:
        query = query.filter(name__startswith=prefix)
    return list(query.order_by().values_list("name", flat=True))


def _rmaps_naming(observatory: str, name: str, record: dict[str, Any]) -> list[str]:
    """The rmaps quoting the reference ``name``: those of its instrument and type, else of
    its instrument (only their texts are read)."""
    instrument = (record.get("instrument") or "").lower()
    filekind = (record.get("filekind") or "").lower()
    prefixes = []
    if instrument and filekind:
        prefixes.append(f"{observatory}_{instrument}_{filekind}_")
    if instrument:
        prefixes.append(f"{observatory}_{instrument}_")
    for prefix in prefixes:
        found = [m for m in _mappings(observatory, ".rmap", prefix)
                 if names(observatory, m, name)]
        if found:
            return found
    return []


def used_by(observatory: str, name: str, record: dict[str, Any]) -> dict[str, list[str]]:
    """``{"rmaps": [...], "imaps": [...], "pmaps": [...]}``: the mappings naming ``name``
    directly or through others, newest first (kept per catalog revision)."""
    def compute(_revision: Any) -> dict[str, list[str]]:
        rmaps: set[str] = set()
        imaps: set[str] = set()
        if name.endswith(".imap"):
            imaps_below = {name}
        else:
            if not name.endswith((".rmap", ".pmap")):
                rmaps = set(_rmaps_naming(observatory, name, record))
            below = rmaps | ({name} if name.endswith(".rmap") else set())
            index = _parents_index(observatory, ".imap") if below else {}
            imaps = {i for r in below for i in index.get(r, ())}
            imaps_below = imaps
        index = _parents_index(observatory, ".pmap") if imaps_below else {}
        pmaps = {p for i in imaps_below for p in index.get(i, ())}
        return {"rmaps": _newest_first(rmaps), "imaps": _newest_first(imaps),
                "pmaps": _newest_first(pmaps)}

    return queries.cache.get(observatory, ("browse used by", name), compute, max_age=2.0)


def warm(observatory: str) -> None:
    """Read every pmap and imap once (for a server to call before it serves)."""
    _parents_index(observatory, ".imap")
    _parents_index(observatory, ".pmap")


def _newest_first(names: set[str]) -> list[str]:
    return sorted(names, key=lambda n: (name_serial(n), n), reverse=True)


# ---- rules of an rmap ----------------------------------------------------------------------


@dataclass
class Row:
    """One match tuple of an rmap and what it selects: ``(useafter date or label, file)``."""

    match: tuple[str, ...]
    entries: list[tuple[str, str]] = field(default_factory=list)


def _terminal_text(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _key(key: Any) -> tuple[str, ...]:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


def rmap_rows(selector: Any) -> list[Row]:
    """The rows of a parsed rmap selector (the :class:`SelectorCall` as written): each Match
    key with the dated (or labelled) entries under it, nested selectors flattened."""
    found: list[Row] = []

    def walk(node: Any, path: tuple[str, ...], row: Row | None) -> None:
        if not isinstance(node, SelectorCall):
            if row is None:
                row = Row(path)
                found.append(row)
            row.entries.append(("", _terminal_text(node)))
            return
        if node.class_name == "Match":
            for key, value in node.entries.items():
                walk(value, path + _key(key), None)
            return
        if row is None:
            row = Row(path)
            found.append(row)
        for key, value in node.entries.items():
            if isinstance(value, SelectorCall):
                walk(value, path + _key(key), None)
            else:
                row.entries.append((" ".join(_key(key)), _terminal_text(value)))

    walk(selector, (), None)
    return found


def rmap_parameters(mapping: Any) -> list[str]:
    """The parameter names of an rmap's match tuples (its first parkey level)."""
    parkey = getattr(mapping, "parkey", ()) or ()
    return [str(p) for p in parkey[0]] if parkey and isinstance(parkey[0], tuple) else []


def where_selected(rows: list[Row], name: str) -> list[dict[str, Any]]:
    """Each place ``name`` appears among ``rows``: the match tuple, its useafter, and the
    files before and after it in the same row (its neighbours in time)."""
    places = []
    for row in rows:
        for index, (when, value) in enumerate(row.entries):
            if name not in (value, *value.split(", ")):
                continue
            places.append({
                "match": list(row.match), "useafter": when,
                "previous": row.entries[index - 1][1] if index > 0 else "",
                "next": row.entries[index + 1][1] if index + 1 < len(row.entries) else "",
            })
    return places

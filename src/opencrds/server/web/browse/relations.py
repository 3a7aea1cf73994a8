"""How a file relates to the others: the mappings that name it (directly and up to the
contexts), its previous and next versions, and where an rmap selects it.

Mappings are immutable, so the names each one contains are read once per process
(:func:`names_in`); which mappings could name a file is told by CRDS's naming rules (an
rmap of a reference's instrument and type, an imap of an rmap's instrument, any pmap), so
finding the users of one file reads only those candidates.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from opencrds.rules.naming import name_serial
from opencrds.rules.parser import SelectorCall

from ...catalog import queries
from ...catalog.filestore import get_file_store
from ...catalog.models import FileRecord

#: A quoted file name in a mapping's text.
_QUOTED_NAME = re.compile(r"'([A-Za-z0-9][A-Za-z0-9_+\-]*\.[A-Za-z0-9]{1,8})'")
#: The kind of mapping that may name a file of each kind (by suffix).
_PARENT_SUFFIX = {".rmap": ".imap", ".imap": ".pmap", ".pmap": ""}


@functools.lru_cache(maxsize=8192)
def names_in(observatory: str, mapping: str) -> frozenset[str]:
    """Every file name quoted in ``mapping``'s text (empty if the store lacks it)."""
    try:
        text = get_file_store().read_text(observatory, mapping, "mappings")
    except (OSError, ValueError, UnicodeDecodeError):
        return frozenset()
    return frozenset(_QUOTED_NAME.findall(text))


def _mappings(observatory: str, suffix: str, prefix: str = "") -> list[str]:
    query = FileRecord.objects.filter(observatory=observatory, type="mapping", available=True,
                                      name__endswith=suffix)
    if prefix:
        query = query.filter(name__startswith=prefix)
    return list(query.order_by().values_list("name", flat=True))


def _candidates(observatory: str, name: str, record: dict[str, Any]) -> list[list[str]]:
    """Lists of mappings that may name ``name``, narrowest first (the next is tried only when
    no mapping of the one before names it)."""
    suffix = name[-5:]
    if suffix == ".pmap":
        return []
    if suffix == ".imap":
        return [_mappings(observatory, ".pmap")]
    instrument = (record.get("instrument") or "").lower()
    if suffix == ".rmap":
        return [_mappings(observatory, ".imap", f"{observatory}_{instrument}_")] + (
            [_mappings(observatory, ".imap")] if instrument else [])
    filekind = (record.get("filekind") or "").lower()
    lists = []
    if instrument and filekind:
        lists.append(_mappings(observatory, ".rmap", f"{observatory}_{instrument}_{filekind}_"))
    if instrument:
        lists.append(_mappings(observatory, ".rmap", f"{observatory}_{instrument}_"))
    return lists


def _direct_users(observatory: str, name: str, record: dict[str, Any]) -> list[str]:
    for candidates in _candidates(observatory, name, record):
        found = [m for m in candidates if name in names_in(observatory, m)]
        if found:
            return found
    return []


def _instrument_of(name: str) -> str:
    parts = name.split("_")
    return parts[1] if len(parts) > 2 else ""


def used_by(observatory: str, name: str, record: dict[str, Any]) -> dict[str, list[str]]:
    """``{"rmaps": [...], "imaps": [...], "pmaps": [...]}``: the mappings naming ``name``
    directly or through others, newest first (kept per catalog revision)."""
    def compute(_revision: Any) -> dict[str, list[str]]:
        found: dict[str, set[str]] = {".rmap": set(), ".imap": set(), ".pmap": set()}
        level = set(_direct_users(observatory, name, record))
        while level:
            upper: set[str] = set()
            for mapping in level:
                found[mapping[-5:]].add(mapping)
                upper.update(_direct_users(observatory, mapping,
                                           {"instrument": _instrument_of(mapping)}))
            level = upper - found[".imap"] - found[".pmap"]
        return {kind[1:] + "s": sorted(names, key=_newest, reverse=True)
                for kind, names in found.items()}

    return queries.cache.get(observatory, ("browse used by", name), compute, max_age=2.0)


def _newest(name: str) -> tuple[int, str]:
    return (name_serial(name) or 0, name)


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

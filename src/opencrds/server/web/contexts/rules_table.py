"""The rules of an .rmap as table rows: one row per (match values, UseAfter date) leaf.

Pure functions over parsed mappings (no Django): the context table pages cache what they
build from them by mapping name, since mapping files never change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opencrds.rules.parser import SelectorCall

#: Values of a terminal meaning "no reference applies".
NA_VALUES = frozenset(("N/A", "OMIT", "n/a", "omit"))
USEAFTER = "USEAFTER"


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One leaf of an rmap: the value of each column, the reference(s) it selects."""

    values: tuple[str, ...]
    useafter: str
    references: tuple[str, ...]

    @property
    def is_na(self) -> bool:
        return not self.references or all(ref in NA_VALUES for ref in self.references)


@dataclass(frozen=True, slots=True)
class RulesTable:
    """An rmap's rules: its matching-parameter ``columns`` and the ``rows`` under them."""

    rmap: str
    columns: tuple[str, ...]
    rows: tuple[RuleRow, ...]

    def reference_name_set(self) -> frozenset[str]:
        """The reference files the rows select (N/A and OMIT left out)."""
        return frozenset(ref for row in self.rows for ref in row.references
                         if ref not in NA_VALUES)

    @property
    def reference_count(self) -> int:
        return len(self.reference_name_set())


def _level_names(parkey: tuple[Any, ...], depth: int) -> tuple[str, ...]:
    if depth >= len(parkey):
        return ()
    names = parkey[depth]
    return tuple(str(n) for n in names) if isinstance(names, tuple) else (str(names),)


def _key_values(key: Any, width: int) -> tuple[str, ...]:
    values = tuple(str(v) for v in key) if isinstance(key, tuple) else (str(key),)
    if width and len(values) != width:
        return (", ".join(values),) + ("",) * (width - 1)
    return values


def _references(value: Any) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        return tuple(str(v) for v in value.values())
    return (str(value),)


def _leaves(value: Any, parkey: tuple[Any, ...], depth: int, match: dict[str, str],
            useafter: str) -> Iterator[tuple[dict[str, str], str, Any]]:
    if not isinstance(value, SelectorCall):
        yield match, useafter, value
        return
    names = _level_names(parkey, depth)
    is_date = value.class_name == "UseAfter"
    for key, child in value.entries.items():
        if is_date:
            yield from _leaves(child, parkey, depth + 1, match, str(key))
            continue
        columns = names or (value.class_name.upper(),)
        here = dict(match)
        here.update(zip(columns, _key_values(key, len(columns)), strict=False))
        yield from _leaves(child, parkey, depth + 1, here, useafter)


def rules_table(rmap_name: str, parkey: tuple[Any, ...], selector: Any) -> RulesTable:
    """The rows of an rmap's (parsed, unnormalized) ``selector``, sorted by match values then
    UseAfter date; ``parkey`` is the rmap header's tuple of parameter tuples."""
    leaves = list(_leaves(selector, parkey, 0, {}, ""))
    columns: list[str] = []
    for match, _date, _value in leaves:
        for name in match:
            if name not in columns:
                columns.append(name)
    rows = [RuleRow(tuple(match.get(c, "") for c in columns), date, _references(value))
            for match, date, value in leaves]
    rows.sort(key=lambda row: (row.values, row.useafter))
    return RulesTable(rmap_name, tuple(columns), tuple(rows))

"""Unique-row table checks (TOOLS.md §5.4): duplicate modes, modes lost or gained."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from .fitsdata import table_hdus

Report = Callable[[str, str], None]


def _norm(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, str):
        return value.strip()
    try:
        if math.isnan(value):
            return "NaN"
    except TypeError:
        pass
    return value.item() if hasattr(value, "item") else value


def _modes(table: Any, keys: Sequence[str]) -> dict[tuple[Any, ...], list[int]]:
    found: dict[tuple[Any, ...], list[int]] = {}
    names = {n.upper(): n for n in table.dtype.names or ()}
    for index, row in enumerate(table):
        mode = tuple(_norm(row[names[k]]) for k in keys)
        found.setdefault(mode, []).append(index)
    return found


def check_table(path: str, rowkeys: Sequence[str], report: Report,
                comparison: str | None, context: str) -> None:
    """Check the tables of ``path`` for duplicate modes and against ``comparison``."""
    name = os.path.basename(path)
    new_tables = table_hdus(path)
    if not rowkeys or not new_tables:
        return
    old_tables = table_hdus(comparison) if comparison else []
    for index, table in new_tables:
        columns = [n.upper() for n in table.dtype.names or ()]
        used = [k for k in rowkeys if k.upper() in columns]
        report("INFO", f"Mode columns defined by spec for new reference '{name}[{index}]' are: "
               f"{list(rowkeys)!r}")
        report("INFO", f"All column names for this table new reference '{name}[{index}]' are: "
               f"{columns!r}")
        report("INFO", f"Checking for duplicate modes using intersection {used!r}")
        if not used:
            continue
        for mode, rows in _modes(table, used).items():
            if len(rows) > 1:
                report("WARNING", f"Duplicate definitions in new reference '{name}[{index}]' "
                       f"for mode: {mode!r} : rows {rows!r}")
    if comparison is None:
        report("WARNING", f"No comparison reference for {name!r} in context {context!r}. "
               "Skipping tables comparison.")
        return
    old_name = os.path.basename(comparison)
    if len(old_tables) != len(new_tables):
        report("WARNING", f"Table mode checks: different number of tables in {old_name!r} "
               f"and {name!r}")
    for (i, old), (_j, new) in zip(old_tables, new_tables, strict=False):
        old_cols = [n.upper() for n in old.dtype.names or ()]
        new_cols = [n.upper() for n in new.dtype.names or ()]
        if old_cols != new_cols:
            report("WARNING", f"Change in row format between '{old_name}[{i}]' and "
                   f"'{name}[{i}]'")
            continue
        used = [k for k in rowkeys if k.upper() in new_cols]
        if not used:
            continue
        old_modes, new_modes = _modes(old, used), _modes(new, used)
        for mode in old_modes:
            if mode not in new_modes:
                report("WARNING", f"Table mode {mode!r} from old reference '{old_name}[{i}]' "
                       f"is NOT IN new reference '{name}[{i}]'")
        for mode in new_modes:
            if mode not in old_modes:
                report("INFO", f"Table mode {mode!r} of new reference '{name}[{i}]' is NOT IN "
                       f"old reference '{old_name}[{i}]'")

"""Row-by-row differences of the FITS table extensions of two files (TOOLS.md §2.6).

``row_diff`` compares each pair of table HDUs either as sequences of rows (a unified diff of
the rows' value reprs) or, with ``mode_fields``, as sets of "modes" (key column values): which
modes each table lacks or repeats, how the sorted mode lists differ, and which rows of the
common modes changed. Non-table HDUs are skipped; both files must have the same number and
kinds of HDUs. The result is structured; ``format_result`` renders it as ``crds rowdiff`` does.
"""

from __future__ import annotations

import difflib
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table

from ..rules.errors import CrdsError


class RowDiffError(CrdsError):
    """The files cannot be compared (unreadable, or bad field selection)."""


# ---- result types -------------------------------------------------------------------------

@dataclass
class RowHduDiff:
    """Row comparison of one table HDU: summary lines and unified-diff lines (empty = same)."""

    index: int
    summary: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)


@dataclass
class ModeChanges:
    """Differences of two row lists: deleted (missing), inserted (duplicated), replaced."""

    missing: Table | None = None
    duplicated: Table | None = None
    changed_from: Table | None = None
    changed_to: Table | None = None

    def __bool__(self) -> bool:
        return any(t is not None for t in (self.missing, self.duplicated, self.changed_from))


@dataclass
class ModeHduDiff:
    """Mode comparison of one table HDU."""

    index: int
    a_changes: ModeChanges
    b_changes: ModeChanges
    a_to_b: ModeChanges
    common: ModeChanges


@dataclass
class RowDiffResult:
    """Everything ``row_diff`` found: per-HDU diffs, or a structural mismatch message."""

    hdus: list[RowHduDiff | ModeHduDiff] = field(default_factory=list)
    mismatch: str | None = None
    last_table: int | None = None

    @property
    def differs(self) -> bool:
        return bool(self.mismatch) or any(
            isinstance(h, ModeHduDiff) or h.summary for h in self.hdus)


# ---- reading --------------------------------------------------------------------------------

def open_fits(path: str | os.PathLike[str]) -> fits.HDUList:
    """The HDU list of ``path``, data loaded; RowDiffError naming the file otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hdus = fits.open(path, memmap=False)
            for hdu in hdus:
                _ = hdu.data
        return hdus
    except Exception as exc:  # astropy raises OSError, ValueError, TypeError, ...
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RowDiffError(f"error opening file ({os.fspath(path)}): {type(exc).__name__}: "
                           f"{' '.join(str(text).split())}") from None


def _is_table(hdu: Any) -> bool:
    return isinstance(hdu, (fits.BinTableHDU, fits.TableHDU))


def _structure_mismatch(a: fits.HDUList, b: fits.HDUList) -> str | None:
    if len(a) != len(b):
        return f"HDUs have different lengths: FITS A = {len(a)}, FITS B = {len(b)}"
    for i, (ha, hb) in enumerate(zip(a, b, strict=True)):
        ka, kb = ha.header.get("XTENSION"), hb.header.get("XTENSION")
        if i and ka != kb:
            return f"Extension {i} different: FITS A = {ka}, FITS B = {kb}"
    return None


def _split(names: str | list[str] | None) -> list[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        names = names.split(",")
    return [n for n in names if n != ""]


def compared_columns(a_names: list[str], b_names: list[str], fields: list[str] | None,
                     ignore: list[str] | None) -> list[str]:
    """Lower-case names compared: ``fields`` in their order, else A's minus ``ignore``; only
    those present in both tables."""
    a_low, b_low = [n.lower() for n in a_names], {n.lower() for n in b_names}
    if fields is not None:
        wanted = [f.lower() for f in fields]
        return [n for n in wanted if n in b_low and n in a_low]
    skip = {f.lower() for f in ignore or ()}
    return [n for n in a_low if n in b_low and n not in skip]


def _row_strings(data: Any, names: list[str]) -> list[str]:
    """Each row as the reprs of its values in ``names`` (lower-case) joined by ``, ``."""
    if data is None or not len(data):
        return []
    table = Table(data)
    actual = {n.lower(): n for n in table.colnames}
    columns = [table[actual[n]] for n in names]
    return [", ".join(repr(col[i]) for col in columns) for i in range(len(table))]


# ---- row mode -----------------------------------------------------------------------------

def diff_rows(index: int, a_rows: list[str], b_rows: list[str]) -> RowHduDiff:
    """Summary of the edit operations and the unified diff of two row lists."""
    result = RowHduDiff(index)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_rows, b_rows).get_opcodes():
        if tag == "replace":
            result.summary.append(f"a rows {i1}-{i2 - 1} differ from b rows {j1}-{j2 - 1}")
        elif tag == "delete":
            result.summary.append(f"Remove from a rows {i1}-{i2 - 1}")
        elif tag == "insert":
            result.summary.append(f"Add to b rows {j1}-{j2 - 1}")
    if result.summary:
        result.diff = list(difflib.unified_diff(a_rows, b_rows, "Table A", "Table B"))
    return result


# ---- mode mode ----------------------------------------------------------------------------

def _hashable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return tuple(_hashable(v) for v in value.tolist())
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class _ModeTable:
    """A table HDU seen through lower-case column names."""

    def __init__(self, data: Any) -> None:
        self.table = Table(data)
        self.table.rename_columns(self.table.colnames, [c.lower() for c in self.table.colnames])
        self.names = self.table.colnames

    def keys(self, modes: list[str]) -> list[tuple]:
        cols = [self.table[m] for m in modes]
        return [tuple(_hashable(c[i]) for c in cols) for i in range(len(self.table))]


def _changes(a: list[Any], b: list[Any], make_a: Any, make_b: Any) -> ModeChanges:
    """Opcodes of ``a`` -> ``b`` collected as tables (delete, insert, replace)."""
    missing: list[Any] = []
    duplicated: list[Any] = []
    old: list[Any] = []
    new: list[Any] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag == "delete":
            missing += a[i1:i2]
        elif tag == "insert":
            duplicated += b[j1:j2]
        elif tag == "replace":
            old += a[i1:i2]
            new += b[j1:j2]
    return ModeChanges(make_a(missing) if missing else None,
                       make_b(duplicated) if duplicated else None,
                       make_a(old) if old else None, make_b(new) if new else None)


def _dtype(a: Table, b: Table, name: str) -> Any:
    da, db = a[name].dtype, b[name].dtype
    try:
        return np.result_type(da, db)
    except TypeError:
        return da


def diff_modes(index: int, a_data: Any, b_data: Any, modes: list[str],
               fields: list[str] | None, ignore: list[str] | None) -> ModeHduDiff:
    """Mode comparison of two table HDUs keyed on the (lower-case) ``modes`` columns."""
    a, b = _ModeTable(a_data), _ModeTable(b_data)
    ignored = {f.lower() for f in ignore or ()}
    if not all(m in a.names and m in b.names and m not in ignored for m in modes):
        raise RowDiffError("Mode select columns are not in both tables.")
    a_keys, b_keys = a.keys(modes), b.keys(modes)
    dtypes = [_dtype(a.table, b.table, m) for m in modes]

    def key_table(keys: list[tuple]) -> Table:
        return Table(rows=keys, names=modes, dtype=dtypes)

    all_modes = sorted(set(a_keys) | set(b_keys))
    sorted_a, sorted_b = sorted(a_keys), sorted(b_keys)
    a_changes = _changes(all_modes, sorted_a, key_table, key_table)
    b_changes = _changes(all_modes, sorted_b, key_table, key_table)
    a_to_b = _changes(sorted_a, sorted_b, key_table, key_table)

    compared = compared_columns(a.names, b.names, fields, ignore)
    shown = [n for n in a.names if n in b.names and (n in modes or n in compared)]
    a_rows, b_rows = _common_rows(a_keys, b_keys)
    a_strings = [_row_text(a.table, i, shown) for i in a_rows]
    b_strings = [_row_text(b.table, i, shown) for i in b_rows]
    pairs_a = list(zip(a_strings, a_rows, strict=True))
    pairs_b = list(zip(b_strings, b_rows, strict=True))
    opcodes = difflib.SequenceMatcher(None, a_strings, b_strings).get_opcodes()
    common = ModeChanges()
    picks: dict[str, tuple[list[int], list[int]]] = {
        "delete": ([], []), "insert": ([], []), "replace": ([], [])}
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            picks[tag][0].extend(r for _, r in pairs_a[i1:i2])
            picks[tag][1].extend(r for _, r in pairs_b[j1:j2])
    if picks["delete"][0]:
        common.missing = a.table[picks["delete"][0]][shown]
    if picks["insert"][1]:
        common.duplicated = b.table[picks["insert"][1]][shown]
    if picks["replace"][0]:
        common.changed_from = a.table[picks["replace"][0]][shown]
        common.changed_to = b.table[picks["replace"][1]][shown]
    return ModeHduDiff(index, a_changes, b_changes, a_to_b, common)


def _common_rows(a_keys: list[tuple], b_keys: list[tuple]) -> tuple[list[int], list[int]]:
    """Row indices of the modes both tables have, in mode order; for a repeated mode only the
    last min(count A, count B) rows of each table take part."""
    def by_mode(keys: list[tuple]) -> dict[tuple, list[int]]:
        groups: dict[tuple, list[int]] = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        return groups

    ga, gb = by_mode(a_keys), by_mode(b_keys)
    rows_a: list[int] = []
    rows_b: list[int] = []
    for key in sorted(set(ga) & set(gb)):
        n = min(len(ga[key]), len(gb[key]))
        rows_a += ga[key][-n:]
        rows_b += gb[key][-n:]
    return rows_a, rows_b


def _row_text(table: Table, row: int, names: list[str]) -> str:
    return ", ".join(repr(table[n][row]) for n in names)


# ---- driver -------------------------------------------------------------------------------

def row_diff(path_a: str | os.PathLike[str], path_b: str | os.PathLike[str], *,
             fields: str | list[str] | None = None, ignore_fields: str | list[str] | None = None,
             mode_fields: str | list[str] | None = None) -> RowDiffResult:
    """Compare the table HDUs of two FITS files (see the module docstring).

    ``fields`` and ``ignore_fields`` (comma-separated or lists, case-insensitive) are mutually
    exclusive; ``mode_fields`` names lower-case key columns and selects the mode comparison.
    """
    fields_l, ignore_l, modes_l = _split(fields), _split(ignore_fields), _split(mode_fields)
    if fields_l is not None and ignore_l is not None:
        raise RowDiffError("Both fields and ignore_fields cannot be specified.")
    result = RowDiffResult()
    with open_fits(path_a) as a, open_fits(path_b) as b:
        result.mismatch = _structure_mismatch(a, b)
        if result.mismatch:
            return result
        for index, (ha, hb) in enumerate(zip(a, b, strict=True)):
            if not _is_table(ha):
                continue
            result.last_table = index
            if modes_l is not None:
                result.hdus.append(diff_modes(index, ha.data, hb.data, modes_l,
                                              fields_l, ignore_l))
                continue
            names = compared_columns(ha.columns.names, hb.columns.names, fields_l, ignore_l)
            if not names:  # nothing to compare: no differences
                continue
            hdu = diff_rows(index, _row_strings(ha.data, names), _row_strings(hb.data, names))
            if hdu.summary:
                result.hdus.append(hdu)
    return result


# ---- text ---------------------------------------------------------------------------------

def _blocks(changes: ModeChanges) -> list[str]:
    blocks = []
    if changes.missing is not None:
        blocks.append(f"        Missing Modes:\n{changes.missing}\n")
    if changes.duplicated is not None:
        blocks.append(f"        Duplicated Modes:\n{changes.duplicated}\n")
    if changes.changed_from is not None:
        blocks.append(f"        Changed Modes:\n        From Table A:\n{changes.changed_from}\n\n"
                      f"        To Table B:\n{changes.changed_to}\n")
    return blocks


def _section(title: str, same: str, changes: ModeChanges) -> str:
    if not changes:
        return f"    {same}\n\n"
    return f"    {title}\n\n" + "".join(block + "\n" for block in _blocks(changes))


def format_mode_hdu(hdu: ModeHduDiff) -> str:
    """One HDU of the mode comparison, as ``crds rowdiff --mode-fields`` prints it."""
    text = f"Difference for HDU extension #{hdu.index}\n\n"
    text += _section("Table A changes:", "Table A has all modes.", hdu.a_changes)
    text += _section("Table B changes:", "Table B has all modes.", hdu.b_changes)
    text += _section("Table A to B changes:", "Table A and B share all modes.", hdu.a_to_b)
    if not hdu.common:
        return text + "    All common modes are equivalent.\n"
    return (text + "    Common mode changes:\n"
            "    If there were duplicate modes, the following may be nonsensical.\n\n"
            + "\n".join(_blocks(hdu.common)))


def format_row_hdu(hdu: RowHduDiff) -> str:
    """One HDU of the row comparison, as ``crds rowdiff`` prints it."""
    text = f"Row differences for HDU extension #{hdu.index}\n\n    Summary:\n"
    text += "".join(f"        {line}\n" for line in hdu.summary)
    text += "\n    Row difference, unified diff format:\n"
    return text + "".join(f"        {line}\n" for line in hdu.diff)


def format_result(result: RowDiffResult) -> str:
    """The whole report (without the final newline ``print`` adds)."""
    if result.mismatch:
        return f"rowdiff: {result.mismatch}\n"
    text = "".join(format_mode_hdu(h) if isinstance(h, ModeHduDiff) else format_row_hdu(h)
                   for h in result.hdus)
    if not text and result.last_table is not None:
        text = f"    HDU extension #{result.last_table} contains no differences"
    return text

"""Coverage of an rmap's Match: uncovered modes, unreachable rows and overlapping rows.

The *value space* of a Match column is the set of values its rows name (``A|B`` split, ``*``
and ``N/A`` left out, numeric boundaries of relations and BETWEEN with points between them),
plus any extra values given by the caller (e.g. a .tpn's valid values). A column that accepts
any value (a ``*``/``N/A`` row, an esoteric field) and has no caller-given values also gets one
``<other>`` value standing for every value the rmap does not name. A column switched off by
``parkey_relevance`` (or a ``comment_parkeys`` column) takes the value ``N/A`` there.

The search follows the selection rules of RULES.md §3.2: validation, per-field matchers,
weights, ties merged, and fall-through to the next weight group when a nested UseAfter has no
date early enough (dates are compared as strings, as at lookup). Modes for which
``rmap_relevance`` is false (or ``rmap_omit`` true) on the Match values alone are not applicable
and are only counted. Modes with the same effect on every row are explored once, so the result
is exact on the value space; the search stops after ``max_nodes`` steps and then says how many
combinations it did not examine. Precondition and fallback hooks are not taken into account.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import CHILD_LOAD_ERRORS, LOOKUP_ERRORS
from .matching import ColumnValues, is_esoteric, make_matcher
from .selectors import BUILTIN_SUBSTITUTIONS, Match, Selector, UseAfter
from .values import condition_value

OTHER = "<other>"  #: stands for every value of an open column that the rmap does not name
ANY = None  #: in an :class:`UncoveredMode`, "any value of the column"
_OTHER_PROBE = "\x00OTHER\x00"  # what the matchers see for OTHER
_FIRST = ""  # earliest-date key of a row that always selects (a terminal)
_NEVER = "\uffff"  # earliest-date key of a row that never selects (an empty selector)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATTERN_CHARS = frozenset("*?[")


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UncoveredMode:
    """Combinations of column values for which selection finds no row.

    ``values`` has one entry per parameter: the values of that column, or None for any value.
    """

    values: tuple[tuple[str, ...] | None, ...]
    combinations: int
    reason: str


@dataclass(frozen=True)
class UnreachableRow:
    """A row that no mode in the value space can select."""

    key: tuple[str, ...]
    reason: str
    shadowed_by: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Overlap:
    """Two rows that match one mode with the same weight (an ambiguity)."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    example: tuple[str, ...]
    outcome: str  # 'merged' (UseAfters merged), 'tuple' (all terminals returned), 'error', 'mixed'


@dataclass
class RmapCoverage:
    """Coverage findings of one rmap."""

    name: str
    parameters: tuple[str, ...]
    value_space: dict[str, tuple[str, ...]]
    rows: int
    uncovered: list[UncoveredMode] = field(default_factory=list)
    unreachable: list[UnreachableRow] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    combinations: int = 0
    not_enumerated: int = 0  # combinations the search had no budget for
    notes: list[str] = field(default_factory=list)
    uncovered_total: int = 0  # uncovered entries found, including those not listed
    uncovered_combinations: int = 0  # modes with no reference
    overlaps_total: int = 0  # overlapping pairs found, including those not listed
    not_applicable: int = 0  # modes rmap_relevance / rmap_omit exclude (no reference needed)

    @property
    def issues(self) -> int:
        """Number of findings (uncovered modes, unreachable rows, overlapping pairs)."""
        return self.uncovered_total + len(self.unreachable) + self.overlaps_total


@dataclass
class ContextCoverage:
    """Coverage of every rmap below a context; ``errors`` are rmaps that could not be loaded."""

    name: str
    rmaps: list[RmapCoverage] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def issues(self) -> int:
        return sum(r.issues for r in self.rmaps) + len(self.errors)


# ---- value space ----------------------------------------------------------------------------


def _numeric(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _field_values(fld: str) -> tuple[list[str], list[float], bool]:
    """(values named, numeric boundaries, is a range-like field) of one normalized field."""
    upper = fld.upper()
    if is_esoteric(fld):
        if fld.startswith("{") and fld.endswith("}"):
            return [fld[1:-1]], [], False
        if fld.startswith("(") and fld.endswith(")"):
            return [], [], False
        if upper.startswith("NOT"):
            inner = fld[3:].strip()
            values, bounds, ranged = _field_values(inner)
            return values, bounds, ranged
        bounds = [n for n in (_numeric(t) for t in _NUMBER.findall(fld)) if n is not None]
        return [], bounds, True
    if fld[:1] in "<>":
        bounds = [n for n in (_numeric(t) for t in _NUMBER.findall(fld)) if n is not None]
        return [], bounds, True
    return [part for part in fld.split("|") if part not in ("*", "N/A")], [], False


def column_space(fields: Iterable[str], extra: Iterable[str] | None = None) -> list[str]:
    """The value space of one Match column (see the module docstring)."""
    fields = list(fields)
    named: list[str] = []
    patterns: list[str] = []
    bounds: list[float] = []
    ranged = False
    for fld in fields:
        values, numbers, is_range = _field_values(fld)
        ranged = ranged or is_range
        bounds.extend(numbers)
        for value in values:
            (patterns if _PATTERN_CHARS & set(value) else named).append(value)
    if ranged:
        points = sorted(set(bounds) | {n for n in map(_numeric, named) if n is not None})
        if points:
            middles = [(a + b) / 2 for a, b in zip(points, points[1:], strict=False)]
            for number in (*points, *middles, points[0] - 1, points[-1] + 1):
                named.append(condition_value(repr(number)))
    if extra is not None:
        named.extend(condition_value(str(value)) for value in extra)
    open_column = ColumnValues(fields).accepts_all
    if open_column:  # a value each glob matches, e.g. 'FR...' for 'FR*'
        named.extend(sample for sample in map(_glob_sample, patterns) if sample)
    space = sorted(set(named) - {"*", "N/A"})
    if extra is None and open_column:
        space.append(OTHER)
    if not space:
        space = sorted(set(patterns)) or [OTHER]
    return space


def _glob_sample(pattern: str) -> str | None:
    """A readable value matched by the shell pattern ``pattern`` (None if none is found)."""
    sample = re.sub(r"\[!?([^\]]+)\]", lambda m: "_" if m.group(0)[1] == "!" else m.group(1)[0],
                    pattern).replace("*", "...").replace("?", "_")
    return sample if fnmatch.fnmatchcase(sample, pattern) else None


# ---- the search -----------------------------------------------------------------------------


class _Budget(Exception):  # noqa: N818 - a signal, not an error
    """Internal control flow: the search ran out of nodes. Raised and caught inside
    :meth:`_Search.run` only, never seen by callers."""


class _Irrelevant(list):  # type: ignore[type-arg]
    """The whole space of a column that parameter relevance turned into ``N/A``."""


def _earliest(value: Any) -> str:
    """The first date at which a row can select something (string order, as at lookup)."""
    if isinstance(value, UseAfter):
        return value.dates[0] if value.dates else _NEVER
    if isinstance(value, Match):
        return _FIRST if value.rows else _NEVER
    if isinstance(value, Selector):
        return _FIRST if len(value) else _NEVER
    return _FIRST


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _Column:
    """One parameter: its value space and, per value, (rows rejecting, rows matching)."""

    def __init__(self, name: str, fields: list[str], space: list[str], all_rows: int,
                 substitutions: Mapping[str, Any] | None, forced_na: bool,
                 relevance: Any) -> None:
        self.name = name
        self.space = space
        self.forced_na = forced_na
        self.relevance = relevance  # Expression deciding N/A, or None
        self.determinant = False  # read by another column's relevance: never grouped
        by_field: dict[str, int] = {}
        literal: dict[str, int] = {}  # value -> rows whose field names it plainly
        plain = 0  # rows whose field is a plain literal or or-list of literals
        for index, fld in enumerate(fields):
            bit = 1 << index
            if fld == "N/A":
                continue
            if _is_plain(fld):
                plain |= bit
                for part in fld.split("|"):
                    literal[part] = literal.get(part, 0) | bit
            else:
                by_field[fld] = by_field.get(fld, 0) | bit
        checker = ColumnValues(fields, dict(substitutions or {}))
        self.masks: dict[str, tuple[int, int]] = {"N/A": (0, 0)}
        self.invalid: set[str] = set()
        if forced_na:
            return
        for value in space:
            reject, hit = self._masks(value, by_field, checker, all_rows)
            if reject != all_rows:
                matched = literal.get(value, 0)
                reject |= plain & ~matched
                hit |= matched
            self.masks[value] = (reject, hit)

    def _masks(self, value: str, by_field: dict[str, int], checker: ColumnValues,
               all_rows: int) -> tuple[int, int]:
        probe = _OTHER_PROBE if value == OTHER else value
        if value != OTHER:
            try:
                valid = checker.is_valid(probe)
            except (AttributeError, TypeError):
                valid = False
            if not valid:
                self.invalid.add(value)
                return all_rows, 0
        reject = hit = 0
        for fld, rows in by_field.items():
            try:
                outcome = make_matcher(fld)(probe)
            except (TypeError, ValueError):
                outcome = -1
            if outcome < 0:
                reject |= rows
            elif outcome > 0:
                hit |= rows
        return reject, hit


def _is_plain(fld: str) -> bool:
    """A field that matches exactly the values it names (no pattern, relation or esoteric)."""
    return not (is_esoteric(fld) or _PATTERN_CHARS & set(fld) or fld[:1] in "<>"
                or fld.upper().startswith(("NOT", "BETWEEN")))


class _Search:
    """Depth-first search over classes of equivalent column values."""

    def __init__(self, columns: list[_Column], order: list[int], earliest: list[str],
                 max_nodes: int, focus: int = 0, applies: Any = None, prefix: int = 0
                 ) -> None:
        self.columns = columns
        self.order = order
        self.earliest = earliest
        self.selectable = sum(1 << i for i, e in enumerate(earliest) if e != _NEVER)
        self.nodes = max_nodes
        self.focus = focus  # only explore modes this row matches
        self.applies = applies  # applies(view) -> False when the rmap does not apply
        self.prefix = prefix  # the first `prefix` columns of `order` decide `applies`
        self.reachable = 0
        self.blockers = 0  # rows selected where the focus row matched but was not selected
        self.groups: dict[int, tuple[str, ...]] = {}  # tied consulted group -> example mode
        self.dead: list[tuple[list[list[str] | None], str, int]] = []
        self.explored = 0
        self.not_applicable = 0  # modes excluded by rmap_relevance / rmap_omit

    def run(self, all_rows: int) -> bool:
        """Search everything; False when the node budget ran out."""
        levels = [all_rows] + [0] * len(self.columns)
        try:
            self._visit(0, levels, [None] * len(self.columns), "")
        except _Budget:
            return False
        return True

    def _space_size(self, depth: int) -> int:
        return math.prod(len(self.columns[c].space) for c in self.order[depth:])

    def _size(self, chosen: list[list[str] | None], depth: int) -> int:
        return math.prod(len(c) for c in chosen if c is not None) * self._space_size(depth)

    def _visit(self, depth: int, levels: list[int], chosen: list[list[str] | None],
               dead_reason: str) -> None:
        self.nodes -= 1
        if self.nodes < 0:
            raise _Budget()
        if self.applies is not None and depth == self.prefix and not self.applies(
                self._view(chosen)):
            self.not_applicable += self._size(chosen, depth)
            self.explored += self._size(chosen, depth)
            return
        if dead_reason and depth >= self.prefix:
            self.dead.append((list(chosen), dead_reason, depth))
            self.explored += self._size(chosen, depth)
            return
        alive = 0
        for mask in levels:
            alive |= mask
        if depth == len(self.order):
            self._leaf(levels, chosen)
            self.explored += math.prod(len(c) for c in chosen if c is not None)
            return
        index = self.order[depth]
        column = self.columns[index]
        space = column.space
        if column.forced_na or (column.relevance is not None
                                and self._irrelevant(column, chosen)):
            space = ["N/A"]
        classes: dict[tuple[int, int], list[str]] = {}
        for value in space:
            reject, hit = column.masks[value]
            if self.focus and reject & self.focus:
                continue
            key = (reject & alive, hit & alive)
            if column.determinant:
                key = (*key, value)  # type: ignore[assignment]
            classes.setdefault(key, []).append(value)
        dead: dict[str, list[str]] = {}
        for key, values in classes.items():
            reject, hit = key[0], key[1]
            new = [0] * len(levels)
            for k, mask in enumerate(levels):
                if mask:
                    new[k] |= mask & ~hit & ~reject
                    if k + 1 < len(levels):
                        new[k + 1] |= mask & hit & ~reject
            remaining = alive & ~reject
            reason = dead_reason
            if not reason and not remaining & self.selectable:
                if remaining:
                    reason = "only rows with empty selectors match"
                elif all(v in column.invalid for v in values):
                    reason = "value not accepted by the rmap"
                else:
                    reason = "no row matches"
            chosen[index] = values if space is column.space else _Irrelevant(column.space)
            if reason and depth + 1 >= self.prefix and (
                    self.applies is None or depth + 1 > self.prefix):
                dead.setdefault(reason, []).extend(chosen[index])
            else:
                self._visit(depth + 1, new, chosen, reason)
            chosen[index] = None
        rest = self._space_size(depth + 1)
        for reason, values in dead.items():
            box = list(chosen)
            box[index] = values
            self.dead.append((box, reason, depth))
            self.explored += math.prod(len(c) for c in box if c is not None) * rest

    def _view(self, chosen: list[list[str] | None]) -> dict[str, Any]:
        view: dict[str, Any] = {}
        for other, values in zip(self.columns, chosen, strict=True):
            if values is not None and len(values) == 1:
                view[other.name] = values[0]
                view[other.name.replace(".", "_")] = values[0]
        return view

    def _irrelevant(self, column: _Column, chosen: list[list[str] | None]) -> bool:
        try:
            return not column.relevance.evaluate(self._view(chosen))
        except LOOKUP_ERRORS:  # depends on values outside the Match: not decided
            return False

    def _leaf(self, levels: list[int], chosen: list[list[str] | None]) -> None:
        threshold = _NEVER
        selected = 0
        for mask in reversed(levels):
            if not mask:
                continue
            first = min(self.earliest[i] for i in _bits(mask))
            if first < threshold:
                consulted = mask & self.selectable
                selected |= consulted
                if consulted & (consulted - 1) and mask not in self.groups:
                    self.groups[mask] = _example(chosen)
                threshold = first
            if threshold == _FIRST:
                break
        self.reachable |= selected
        if self.focus and not selected & self.focus:
            self.blockers |= selected


def _example(chosen: list[list[str] | None]) -> tuple[str, ...]:
    return tuple("N/A" if isinstance(c, _Irrelevant) else (c or [OTHER])[0] for c in chosen)


def _applicability(rmap: Any, names: dict[str, int]) -> tuple[Any, set[int]]:
    """(``applies(view)``, the columns it reads) from ``rmap_omit`` and ``rmap_relevance``;
    (None, set()) when neither is set. An expression that cannot be evaluated from the
    Match values alone (it reads other keywords) counts as applying, as at lookup."""
    omit = getattr(rmap, "rmap_omit", None)
    relevance = getattr(rmap, "rmap_relevance", None)
    if omit is None and relevance is None:
        return None, set()
    deciding = {names[n] for e in (omit, relevance) if e is not None for n in e.names
                if n in names}

    def applies(view: Mapping[str, Any]) -> bool:
        try:
            if omit is not None and omit.evaluate(view):
                return False
        except LOOKUP_ERRORS:  # undecided: the type is kept
            pass
        try:
            return relevance is None or bool(relevance.evaluate(view))
        except LOOKUP_ERRORS:  # undecided: the type is relevant
            return True

    return applies, deciding


def _overlap_kind(rows: list[Any], members: list[int], merge: bool) -> str:
    if not merge:
        return "error"
    first = rows[members[0]].value
    values = [rows[i].value for i in members]
    if isinstance(first, Selector):
        return "merged" if all(isinstance(v, UseAfter) for v in values) else "mixed"
    return "tuple" if not any(isinstance(v, Selector) for v in values) else "mixed"


def rmap_coverage(rmap: Any, value_space: Mapping[str, Iterable[str]] | None = None, *,
                  max_nodes: int = 200_000, max_findings: int = 1000) -> RmapCoverage:
    """Uncovered modes, unreachable rows and overlapping rows of ``rmap``'s top Match.

    ``rmap`` is a :class:`~opencrds.rules.mappings.ReferenceMapping`; ``value_space`` adds
    valid values per parameter (and closes those columns: no ``<other>``).
    """
    selector = rmap.selector
    parameters = tuple(selector.parameters)
    result = RmapCoverage(rmap.basename, parameters, {}, 0)
    if not isinstance(selector, Match):
        result.notes.append(f"top selector is {selector.class_name}, not Match: not analysed")
        return result
    rows = selector.rows
    result.rows = len(rows)
    all_rows = (1 << len(rows)) - 1
    given = {str(k).upper(): list(v) for k, v in (value_space or {}).items()}
    substitutions = {k: dict(v) for k, v in BUILTIN_SUBSTITUTIONS.items()}
    for name, table in (rmap.raw_header.get("substitutions") or {}).items():
        substitutions.setdefault(name, {}).update(table)
    comment = set(getattr(rmap, "comment_parkeys", ()) or ())
    relevance = getattr(rmap, "parkey_relevance", {}) or {}
    columns = []
    for index, name in enumerate(parameters):
        fields = [row.fields[index] for row in rows]
        space = (["N/A"] if name in comment
                 else column_space(fields, given.get(name.upper())))
        columns.append(_Column(name, fields, space, all_rows, substitutions.get(name),
                               name in comment, relevance.get(name.lower())))
        result.value_space[name] = tuple(space)
    names = {c.name.replace(".", "_"): i for i, c in enumerate(columns)}
    for column in columns:
        if column.relevance is not None:
            for used in column.relevance.names:
                if used in names:
                    columns[names[used]].determinant = True
    applies, deciding = _applicability(rmap, names)
    for i in deciding:
        columns[i].determinant = True
    order = sorted(range(len(columns)), key=lambda i: (
        i not in deciding, not columns[i].determinant, columns[i].relevance is not None,
        -len({columns[i].masks[v] for v in columns[i].space})))
    result.combinations = math.prod(len(c.space) for c in columns)
    earliest = [_earliest(row.value) for row in rows]
    search = _Search(columns, order, earliest, max_nodes, applies=applies, prefix=len(deciding))
    complete = search.run(all_rows)
    result.not_applicable = search.not_applicable
    if not complete:
        result.not_enumerated = max(result.combinations - search.explored, 0)
        result.notes.append(f"not enumerated: {result.not_enumerated} combinations "
                            f"(search stopped after {max_nodes} steps)")
    for box, reason, _depth in search.dead:
        count = math.prod(len(c.space) if v is None else len(v)
                          for v, c in zip(box, columns, strict=True))
        result.uncovered_total += 1
        result.uncovered_combinations += count
        if len(result.uncovered) < max_findings:
            values = tuple(None if v is None or len(v) == len(c.space) else tuple(v)
                           for v, c in zip(box, columns, strict=True))
            result.uncovered.append(UncoveredMode(values, count, reason))
    _unreachable(result, rows, columns, order, earliest, search, complete, max_nodes,
                 max_findings, all_rows)
    _overlaps(result, rows, search, selector.merge_overlaps, max_findings)
    if len(search.dead) > max_findings:
        result.notes.append(f"{len(search.dead) - max_findings} more uncovered modes not listed")
    return result


def _unreachable(result: RmapCoverage, rows: list[Any], columns: list[_Column],
                 order: list[int], earliest: list[str], search: _Search, complete: bool,
                 max_nodes: int, max_findings: int, all_rows: int) -> None:
    undecided = 0
    budget = 2 * max_nodes  # for all the focused searches together
    for index, row in enumerate(rows):
        bit = 1 << index
        if search.reachable & bit:
            continue
        if earliest[index] == _NEVER:
            result.unreachable.append(UnreachableRow(row.fields, "empty selector"))
            continue
        nodes = min(max(max_nodes // 10, 1000), budget)
        if nodes <= 0:
            undecided += 1
            continue
        focused = _Search(columns, order, earliest, nodes, focus=bit,
                          applies=search.applies, prefix=search.prefix)
        done = focused.run(all_rows)
        budget -= nodes - max(focused.nodes, 0)
        if focused.reachable & bit:
            continue
        if not done:
            undecided += 1
            continue
        blockers = tuple(rows[i].fields for i in _bits(focused.blockers & ~bit))
        reason = ("shadowed by better rows" if blockers
                  else "matches only modes where the rmap does not apply"
                  if focused.not_applicable else "matches no mode of the value space")
        result.unreachable.append(UnreachableRow(row.fields, reason, blockers[:5]))
        if len(result.unreachable) >= max_findings:
            break
    if undecided:
        result.notes.append(f"{undecided} rows not decided (search budget)")


def _overlaps(result: RmapCoverage, rows: list[Any], search: _Search, merge: bool,
              max_findings: int) -> None:
    seen: set[tuple[int, int]] = set()
    for mask, example in search.groups.items():
        members = list(_bits(mask & search.selectable))
        kind = _overlap_kind(rows, list(_bits(mask)), merge)
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                if len(result.overlaps) < max_findings:
                    result.overlaps.append(
                        Overlap(rows[a].fields, rows[b].fields, example, kind))
    result.overlaps_total = len(seen)
    if len(seen) > max_findings:
        result.notes.append(f"{len(seen) - max_findings} more overlapping pairs not listed")


def mapping_coverage(mapping: Any,
                     value_spaces: Callable[[Any], Mapping[str, Iterable[str]] | None]
                     | None = None, **options: Any) -> ContextCoverage:
    """Coverage of every rmap of ``mapping`` (a pmap, imap or rmap), rmap by rmap.

    ``value_spaces(rmap)`` may give each rmap's extra values; ``options`` go to
    :func:`rmap_coverage`.
    """
    report = ContextCoverage(mapping.basename)
    for name, rmap in _rmaps(mapping, report):
        try:
            extra = value_spaces(rmap) if value_spaces else None
            report.rmaps.append(rmap_coverage(rmap, extra, **options))
        except Exception as exc:  # noqa: BLE001 - boundary: one bad rmap is reported
            report.errors.append((name, f"{type(exc).__name__}: {exc}"))
    return report


def _rmaps(mapping: Any, report: ContextCoverage) -> Iterator[tuple[str, Any]]:
    if mapping.kind == "reference":
        yield mapping.basename, mapping
        return
    seen: set[str] = set()
    for key, value in mapping.selector.items():
        if mapping.is_special(value) or value in seen:
            continue
        seen.add(value)
        try:
            child = mapping.child(key)
        except CHILD_LOAD_ERRORS as exc:  # a missing or bad child is one error
            report.errors.append((value, f"{type(exc).__name__}: {exc}"))
            continue
        yield from _rmaps(child, report)

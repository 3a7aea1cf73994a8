"""Compiled selectors: Match, UseAfter, VersionAfter, SelectVersion, ClosestTime,
GeometricallyNearest and Bracket (RULES.md §3).

A selector is compiled once from a parsed :class:`~opencrds.rules.parser.SelectorCall` and is
immutable afterwards (apart from private lookup caches), so one compiled selector can be shared
by every mapping file that contains the same text.
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import LookupFailure, MappingError, ValidationFailure
from .matching import ColumnValues, make_matcher, normalize_field
from .parser import SelectorCall, parse_literal
from .timestamps import DateFormatError, parse_date, reformat_date
from .values import condition_value

_MISSING = object()
_MEMO_LIMIT = 4096


class SelectionMiss(LookupFailure):
    """A lookup error that lets an enclosing Match fall through to its next candidate."""


class Selector:
    """Base class: ``choose(header)`` returns a terminal value or raises a LookupFailure."""

    class_name = "Selector"
    __slots__ = ("parameters", "raw")

    def __init__(self, parameters: tuple[str, ...], raw: SelectorCall | None) -> None:
        self.parameters = parameters
        self.raw = raw

    def choose(self, header: Mapping[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def choices(self) -> Iterator[Any]:
        """Every value this selector can return, nested selectors included."""
        raise NotImplementedError  # pragma: no cover - abstract

    def terminals(self) -> Iterator[Any]:
        """Every terminal value reachable from this selector."""
        for choice in self.choices():
            if isinstance(choice, Selector):
                yield from choice.terminals()
            else:
                yield choice

    def __len__(self) -> int:
        return sum(1 for _ in self.choices())

    def __repr__(self) -> str:
        # Same text as CRDS prints for a selector that leaks into a result (RULES.md §3.2.7).
        return f"{self.class_name}Selector({self.parameters!r}, nselections={len(self)})"


def _resolve(value: Any, header: Mapping[str, Any]) -> Any:
    return value.choose(header) if isinstance(value, Selector) else value


def _joined_value(kind: str, parameters: tuple[str, ...], header: Mapping[str, Any],
                  separator: str, undefined_kind: str | None = None) -> str:
    """The header values of ``parameters``, stripped and joined (UseAfter-style checks)."""
    values = []
    for name in parameters:
        value = header.get(name, _MISSING)
        if value is _MISSING:
            raise LookupFailure(f"{kind} required lookup parameter '{name}' is undefined.")
        values.append(value)
    parts = []
    for name, value in zip(parameters, values, strict=True):
        if value == "UNDEFINED":
            raise LookupFailure(f"{undefined_kind or kind} parameter '{name}' is UNDEFINED.")
        try:
            parts.append(value.strip())
        except AttributeError as exc:
            raise LookupFailure(str(exc)) from None
    return separator.join(parts).strip()


_DATE_CACHE: dict[Any, str | LookupFailure] = {}


def lookup_date(kind: str, parameters: tuple[str, ...], header: Mapping[str, Any]) -> str:
    """The dataset date/time of ``parameters`` reprinted as ``YYYY-MM-DD HH:MM:SS[.ffffff]``.

    Outcomes are cached by the raw header values, so a repeated date costs one dict lookup.
    """
    get = header.get
    key = (kind, parameters, *[_typed(get(name, _MISSING)) for name in parameters])
    try:
        result = _DATE_CACHE.get(key)
    except TypeError:  # an unhashable value
        result = _lookup_date(kind, parameters, header)
    if result is None:
        result = _lookup_date(kind, parameters, header)
        if len(_DATE_CACHE) > 65536:
            _DATE_CACHE.clear()
        _DATE_CACHE[key] = result
    if isinstance(result, LookupFailure):
        raise type(result)(*result.args)
    return result


def _lookup_date(kind: str, parameters: tuple[str, ...],
                 header: Mapping[str, Any]) -> str | LookupFailure:
    try:
        joined = _joined_value(kind, parameters, header, " ", undefined_kind="UseAfter")
    except LookupFailure as exc:
        return exc
    try:
        return reformat_date(joined)
    except DateFormatError as exc:
        return LookupFailure(
            f"{kind} Invalid date/time format for {parameters!r} value = {joined!r} "
            f"exception is {str(exc)!r}"
        )


# ---- Match ----------------------------------------------------------------------------------


class _Row:
    __slots__ = ("fields", "value", "raw_key")

    def __init__(self, fields: tuple[str, ...], value: Any, raw_key: Any) -> None:
        self.fields = fields
        self.value = value
        self.raw_key = raw_key


def _typed(value: Any) -> Any:
    """A cache key that keeps ``1``, ``1.0`` and ``True`` apart (they are equal as dict keys)."""
    return value if value.__class__ is str else (value.__class__, value)


class _Column:
    """One parameter of a Match: the row matchers, with caches of per-value validation
    outcomes and bit masks."""

    __slots__ = ("name", "matchers", "values", "masks", "checked")

    def __init__(self, name: str, matchers: list[Any], values: ColumnValues) -> None:
        self.name = name
        self.matchers = matchers
        self.values = values
        self.masks: dict[Any, tuple[int, int]] = {}
        self.checked: dict[Any, LookupFailure | None] = {}

    def check(self, value: Any) -> None:
        """Raise the validation failure of ``value`` for this column, if any."""
        key = _typed(value)
        try:
            outcome = self.checked[key]
        except KeyError:
            outcome = self._validate(value)
            if len(self.checked) > _MEMO_LIMIT:
                self.checked.clear()
            self.checked[key] = outcome
        except TypeError:  # unhashable
            outcome = self._validate(value)
        if outcome is not None:
            raise type(outcome)(*outcome.args)

    def _validate(self, value: Any) -> LookupFailure | None:
        try:
            valid = self.values.is_valid(value)
        except (AttributeError, TypeError) as exc:
            return LookupFailure(str(exc))
        if valid:
            return None
        return ValidationFailure(
            f" parameter={self.name!r} value={value!r} is not in {self.values.sorted_values!r}"
        )

    def masks_for(self, value: Any) -> tuple[int, int]:
        """(rows rejecting ``value``, rows matching it with weight 1) as bit sets."""
        key = _typed(value)
        try:
            return self.masks[key]
        except KeyError:
            pass
        except TypeError:
            return self._compute(value)
        result = self._compute(value)
        if len(self.masks) > _MEMO_LIMIT:
            self.masks.clear()
        self.masks[key] = result
        return result

    def _compute(self, value: Any) -> tuple[int, int]:
        reject = hit = 0
        bit = 1
        for matcher in self.matchers:
            outcome = matcher(value)
            if outcome < 0:
                reject |= bit
            elif outcome > 0:
                hit |= bit
            bit <<= 1
        return reject, hit


class Match(Selector):
    """Weighted matching of dataset values against rows of match fields (RULES.md §3.2)."""

    class_name = "Match"
    __slots__ = ("rows", "columns", "merge_overlaps", "_memo", "_merged", "_all_rows",
                 "_substitutions")

    def __init__(self, parameters: tuple[str, ...], rows: list[_Row], merge_overlaps: bool,
                 substitutions: Mapping[str, Mapping[str, Any]], raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        self.rows = rows
        self.merge_overlaps = merge_overlaps
        self._substitutions = substitutions
        self.columns: list[_Column] | None = None  # built on first lookup
        self._all_rows = (1 << len(rows)) - 1
        self._memo: dict[Any, Any] = {}
        self._merged: dict[tuple[int, ...], Selector] = {}

    def _prepare(self) -> list[_Column]:
        columns = []
        for index, name in enumerate(self.parameters):
            fields = [row.fields[index] for row in self.rows]
            columns.append(
                _Column(name, [make_matcher(f) for f in fields],
                        ColumnValues(fields, dict(self._substitutions.get(name, {}))))
            )
        self.columns = columns
        return columns

    def choices(self) -> Iterator[Any]:
        for row in self.rows:
            yield row.value

    def _check(self, values: tuple[Any, ...]) -> None:
        columns = self.columns or self._prepare()
        for column, value in zip(columns, values, strict=True):
            if value is _MISSING and not column.values.has_na:
                raise LookupFailure(
                    f"Match required lookup parameter '{column.name}' is undefined."
                )
        for column, value in zip(columns, values, strict=True):
            column.check("UNDEFINED" if value is _MISSING else value)

    def _groups(self, values: tuple[Any, ...]) -> list[tuple[int, ...]]:
        """Row indices grouped by weight, best group first, each in sorted-key order."""
        try:
            return self._groups_by_masks(values)
        except TypeError:
            return self._groups_row_by_row(values)

    def _groups_row_by_row(self, values: tuple[Any, ...]) -> list[tuple[int, ...]]:
        """Parameter by parameter over the rows still alive, so that a matcher which cannot
        take a non-string value fails only when it is reached, as in CRDS."""
        columns = self.columns or self._prepare()
        weights = dict.fromkeys(range(len(self.rows)), 0)
        for column, value in zip(columns, values, strict=True):
            value = "UNDEFINED" if value is _MISSING else value
            for index in list(weights):
                outcome = column.matchers[index](value)
                if outcome < 0:
                    del weights[index]
                else:
                    weights[index] -= outcome
        groups: dict[int, list[int]] = {}
        for index, weight in weights.items():
            groups.setdefault(weight, []).append(index)
        return [tuple(groups[w]) for w in sorted(groups)]

    def _groups_by_masks(self, values: tuple[Any, ...]) -> list[tuple[int, ...]]:
        alive = self._all_rows
        masks = []
        for column, value in zip(self.columns or self._prepare(), values, strict=True):
            reject, hit = column.masks_for("UNDEFINED" if value is _MISSING else value)
            alive &= ~reject
            masks.append(hit)
        weights: dict[int, list[int]] = {}
        while alive:
            low = alive & -alive
            index = low.bit_length() - 1
            alive ^= low
            weight = 0
            for hit in masks:
                if hit & low:
                    weight -= 1
            weights.setdefault(weight, []).append(index)
        return [tuple(weights[w]) for w in sorted(weights)]

    def _candidates(self, header: Mapping[str, Any]) -> list[tuple[int, ...]]:
        get = header.get
        values = tuple([get(name, _MISSING) for name in self.parameters])
        key = values
        for value in values:
            if value.__class__ is not str:
                key = tuple([_typed(v) for v in values])
                break
        try:
            cached = self._memo.get(key)
        except TypeError:
            self._check(values)
            return self._groups(values)
        if cached is None:
            try:
                self._check(values)
                cached = self._groups(values)
            except LookupFailure as exc:
                cached = exc
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = cached
        if isinstance(cached, LookupFailure):
            raise type(cached)(*cached.args)
        return cached

    def _merge(self, group: tuple[int, ...]) -> Any:
        merged = self._merged.get(group)
        if merged is None:
            selectors = [self.rows[i].value for i in group]
            merged = merge_selectors(selectors)
            self._merged[group] = merged
        return merged

    def choose(self, header: Mapping[str, Any]) -> Any:
        for group in self._candidates(header):
            if len(group) > 1:
                if not self.merge_overlaps:
                    raise LookupFailure("More than one match clause matched.")
                first = self.rows[group[0]].value
                if not isinstance(first, Selector):
                    return tuple(self.rows[i].value for i in group)
                candidate = self._merge(group)
            else:
                candidate = self.rows[group[0]].value
            if isinstance(candidate, Selector):
                try:
                    return candidate.choose(header)
                except SelectionMiss:
                    continue
            return candidate
        raise SelectionMiss("No match found.")


def merge_selectors(selectors: list[Any]) -> Selector:
    """Merge tied UseAfter selectors into one; equal dates keep the greater filename."""
    for selector in selectors:
        if not isinstance(selector, UseAfter):
            raise LookupFailure("'str' object has no attribute '_selections'")
    merged: dict[str, Any] = {}
    for selector in selectors:
        for date, value in zip(selector.dates, selector.values, strict=True):
            if date in merged and not _greater_or_equal(value, merged[date]):
                continue
            merged[date] = value
    dates = sorted(merged)
    return UseAfter(selectors[0].parameters, dates, [merged[d] for d in dates], None)


def _greater_or_equal(a: Any, b: Any) -> bool:
    try:
        return a >= b
    except TypeError:
        return str(a) >= str(b)


# ---- date and version selectors ---------------------------------------------------------------


class UseAfter(Selector):
    """The entry with the greatest date key <= the dataset date, compared as strings."""

    class_name = "UseAfter"
    __slots__ = ("dates", "values")

    def __init__(self, parameters: tuple[str, ...], dates: list[str], values: list[Any],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        self.dates = dates
        self.values = values

    def choices(self) -> Iterator[Any]:
        return iter(self.values)

    def choose(self, header: Mapping[str, Any]) -> Any:
        date = lookup_date("UseAfter", self.parameters, header)
        index = bisect.bisect_right(self.dates, date)
        if index == 0:
            raise SelectionMiss(f"No selection <= {date!r}")
        return _resolve(self.values[index - 1], header)


_VERSION_RE = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def version_tuple(text: str) -> tuple[int, int, int] | None:
    """The leading ``d[.d[.d]]`` of a version string as 3 integers, or None."""
    m = _VERSION_RE.match(text)
    if m is None:
        return None
    major, minor, micro = m.groups()
    return (int(major), int(minor or 0), int(micro or 0))


class VersionAfter(Selector):
    """The entry with the greatest version key <= the dataset's version."""

    class_name = "VersionAfter"
    __slots__ = ("versions", "values")

    def __init__(self, parameters: tuple[str, ...], items: list[tuple[Any, Any]],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        keyed = []
        for key, value in items:
            version = version_tuple(str(key))
            if version is None:
                raise ValueError(f"Invalid version string {key!r}")
            keyed.append((version, value))
        keyed.sort(key=lambda item: item[0])
        self.versions = [version for version, _ in keyed]
        self.values = [value for _, value in keyed]

    def choices(self) -> Iterator[Any]:
        return iter(self.values)

    def choose(self, header: Mapping[str, Any]) -> Any:
        text = _joined_value("VersionAfter", self.parameters, header, ".")
        version = version_tuple(text)
        if version is None:
            raise LookupFailure(f"Invalid version string {text!r}")
        index = bisect.bisect_right(self.versions, version)
        if index == 0:
            raise SelectionMiss(f"No selection <= {version!r}")
        return _resolve(self.values[index - 1], header)


class _Default:
    """Sorts after every version in SelectVersion."""

    def __lt__(self, other: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> bool:
        return not isinstance(other, _Default)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _Default)

    def __hash__(self) -> int:
        return 0


_DEFAULT = _Default()
_RELATION_KEY_RE = re.compile(r"^\s*(<|==|=)?\s*(.*?)\s*$")


class SelectVersion(Selector):
    """The first relation (``<N``, ``=N``, ``default``) that the version value does not exceed."""

    class_name = "SelectVersion"
    __slots__ = ("relations",)

    def __init__(self, parameters: tuple[str, ...], items: list[tuple[Any, Any]],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        relations = []
        for key, value in items:
            text = str(key)
            if text.strip().lower() == "default":
                relations.append((_DEFAULT, "=", value))
                continue
            m = _RELATION_KEY_RE.match(text)
            operator = "<" if m.group(1) == "<" else "="
            relations.append((parse_literal(m.group(2)), operator, value))
        relations.sort(key=lambda r: (r[0], r[1] != "<"))
        self.relations = relations

    def choices(self) -> Iterator[Any]:
        return (value for _, _, value in self.relations)

    def choose(self, header: Mapping[str, Any]) -> Any:
        name = self.parameters[0]
        if name not in header:
            raise LookupFailure(repr(name))
        text = header[name]
        value: Any = _DEFAULT if text == "default" else _number_literal(
            self.parameters, text)
        for version, operator, result in self.relations:
            if version is _DEFAULT:
                return _resolve(result, header)
            if operator == "<" and value < version:
                return _resolve(result, header)
            if operator == "=" and value == version:
                return _resolve(result, header)
        raise LookupFailure("list index out of range")


def _number_literal(parameters: tuple[str, ...], text: Any) -> Any:
    try:
        value = parse_literal(text) if isinstance(text, str) else text
    except MappingError:
        value = None
    if not isinstance(value, (int, float, tuple)) or isinstance(value, bool):
        raise LookupFailure(
            f"SelectVersion Invalid number for {parameters[0]!r} value = {text!r}")
    return value


def _float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


class ClosestTime(Selector):
    """The entry whose date is nearest the dataset date (first one on a tie)."""

    class_name = "ClosestTime"
    __slots__ = ("times", "values")

    def __init__(self, parameters: tuple[str, ...], items: list[tuple[Any, Any]],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        items = sorted(items, key=lambda item: str(item[0]))
        self.times = [parse_date(str(key)) for key, _ in items]
        self.values = [value for _, value in items]

    def choices(self) -> Iterator[Any]:
        return iter(self.values)

    def choose(self, header: Mapping[str, Any]) -> Any:
        when = parse_date(lookup_date("ClosestTime", self.parameters, header))
        distances = [_float32(abs((t - when).total_seconds())) for t in self.times]
        best = distances.index(min(distances))
        return _resolve(self.values[best], header)


def _header_number(kind: str, parameters: tuple[str, ...], header: Mapping[str, Any],
                   missing_as_key_error: bool = False) -> float:
    name = parameters[0]
    value = header.get(name, _MISSING)
    if value is _MISSING:
        if missing_as_key_error:  # what CRDS's Bracket reports
            raise LookupFailure(repr(name))
        raise LookupFailure(f"{kind} required lookup parameter '{name}' is undefined.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LookupFailure(f"{kind} Invalid number for {name!r} value = {value!r}") from None


class GeometricallyNearest(Selector):
    """The entry whose numeric key is nearest the dataset value (first one on a tie)."""

    class_name = "GeometricallyNearest"
    __slots__ = ("keys", "numbers", "values")

    def __init__(self, parameters: tuple[str, ...], items: list[tuple[Any, Any]],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        keyed = sorted((condition_value(key), value) for key, value in items)
        self.keys = [key for key, _ in keyed]
        self.numbers = [float(key) for key in self.keys]
        self.values = [value for _, value in keyed]

    def choices(self) -> Iterator[Any]:
        return iter(self.values)

    def choose(self, header: Mapping[str, Any]) -> Any:
        value = _header_number("GeometricallyNearest", self.parameters, header)
        distances = [_float32(abs(n - value)) for n in self.numbers]
        return _resolve(self.values[distances.index(min(distances))], header)


class Bracket(Selector):
    """The two entries whose numeric keys bracket the dataset value, as a 2-tuple."""

    class_name = "Bracket"
    __slots__ = ("numbers", "values")

    def __init__(self, parameters: tuple[str, ...], items: list[tuple[Any, Any]],
                 raw: SelectorCall | None) -> None:
        super().__init__(parameters, raw)
        keyed = sorted((float(key), value) for key, value in items)
        self.numbers = [n for n, _ in keyed]
        self.values = [value for _, value in keyed]

    def choices(self) -> Iterator[Any]:
        return iter(self.values)

    def choose(self, header: Mapping[str, Any]) -> Any:
        value = _header_number("Bracket", self.parameters, header, missing_as_key_error=True)
        if not self.numbers:
            raise SelectionMiss("No match found.")
        index = bisect.bisect_left(self.numbers, value)
        if index < len(self.numbers) and self.numbers[index] == value:
            low = high = index
        elif index == 0:
            low = high = 0
        elif index == len(self.numbers):
            low = high = index - 1
        else:
            low, high = index - 1, index
        return (_resolve(self.values[low], header), _resolve(self.values[high], header))


# ---- compilation ----------------------------------------------------------------------------

BUILTIN_SUBSTITUTIONS: dict[str, dict[str, Any]] = {
    "META.SUBARRAY.NAME": {"GENERIC": "N/A"},
    "SUBARRAY": {"GENERIC": "N/A"},
}


class SelectorCompiler:
    """Compiles parsed selector calls for one rmap; shares results through ``memo``."""

    def __init__(
        self,
        parkey: tuple[tuple[str, ...], ...],
        substitutions: Mapping[str, Mapping[str, Any]] | None = None,
        merge_overlaps: bool = True,
        filename: str = "<mapping>",
        locate: Any = None,
        memo: dict[Any, Selector] | None = None,
    ) -> None:
        self.parkey = parkey
        subs: dict[str, dict[str, Any]] = {k: dict(v) for k, v in BUILTIN_SUBSTITUTIONS.items()}
        for name, table in (substitutions or {}).items():
            subs.setdefault(name, {}).update(table)
        self.substitutions = subs
        self.merge_overlaps = merge_overlaps
        self.filename = filename
        self.locate = locate
        self.memo = memo if memo is not None else {}

    def error(self, message: str, call: SelectorCall) -> MappingError:
        line, column = self.locate(call) if self.locate else (None, None)
        return MappingError(message, self.filename, line, column)

    def compile(self, call: SelectorCall, depth: int = 0) -> Selector:
        if depth >= len(self.parkey):
            raise self.error(
                f"{call.class_name} is nested {depth + 1} levels deep but 'parkey' has only "
                f"{len(self.parkey)} levels", call)
        parameters = tuple(self.parkey[depth])
        if call.class_name == "UseAfter":  # identical bodies share one entries dict
            key = (id(call.entries), parameters)
            cached = self.memo.get(key)
            if cached is not None and cached.raw is not None and cached.raw.entries is call.entries:
                return cached
        try:
            selector = self._compile(call, parameters, depth)
        except MappingError:
            raise
        except (ValueError, TypeError, re.error, DateFormatError) as exc:
            raise self.error(f"invalid {call.class_name} key: {exc}", call) from None
        if call.class_name == "UseAfter":
            self.memo[(id(call.entries), parameters)] = selector
        return selector

    def _value(self, value: Any, depth: int) -> Any:
        if isinstance(value, SelectorCall):
            return self.compile(value, depth + 1)
        if isinstance(value, list):
            return tuple(value)
        return value

    def _compile(self, call: SelectorCall, parameters: tuple[str, ...], depth: int) -> Selector:
        name = call.class_name
        entries = call.entries
        if name == "Match":
            return self._match(call, parameters, depth)
        if name == "UseAfter":
            if not all(isinstance(key, str) for key in entries):
                bad = next(key for key in entries if not isinstance(key, str))
                raise self.error(f"UseAfter key {bad!r} is not a date string", call)
            dates = sorted(entries)
            values = [entries[date] for date in dates]
            if not all(isinstance(value, str) for value in values):
                values = [self._value(value, depth) for value in values]
            return UseAfter(parameters, dates, values, call)
        items = [(key, self._value(value, depth)) for key, value in entries.items()]
        cls = {
            "VersionAfter": VersionAfter,
            "SelectVersion": SelectVersion,
            "ClosestTime": ClosestTime,
            "GeometricallyNearest": GeometricallyNearest,
            "Bracket": Bracket,
        }[name]
        return cls(parameters, items, call)

    def _match(self, call: SelectorCall, parameters: tuple[str, ...], depth: int) -> Match:
        tables = [self.substitutions.get(p) for p in parameters]
        rows = []
        for raw_key, value in call.entries.items():
            key = raw_key if isinstance(raw_key, tuple) else (raw_key,)
            if any(tables) and len(key) == len(parameters):
                key = tuple(
                    _substitute(field, table) if table else field
                    for field, table in zip(key, tables, strict=True)
                )
            fields = tuple(normalize_field(field) for field in key)
            if len(fields) != len(parameters):
                raise self.error(
                    f"Match key={key!r} is wrong length for parameters {parameters!r}", call)
            rows.append(_Row(fields, self._value(value, depth), raw_key))
        rows.sort(key=lambda row: row.fields)
        for previous, row in zip(rows, rows[1:], strict=False):
            if previous.fields == row.fields:
                raise self.error(f"Key {row.fields!r} appears more than once ", call)
        subs = {p: self.substitutions[p] for p in parameters if p in self.substitutions}
        return Match(parameters, rows, self.merge_overlaps, subs, call)


def _substitute(field: Any, table: Mapping[str, Any]) -> Any:
    if isinstance(field, str) and field in table:
        replacement = table[field]
        if isinstance(replacement, (list, tuple)):
            return "|".join(replacement)
        return replacement
    return field

"""The match-value language of Match selectors (RULES.md §3.2.1–§3.2.5).

Each normalized rmap field becomes a *matcher*: a function of one dataset value returning
``1`` (match), ``0`` (don't care) or ``-1`` (no match).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from .values import condition_value

Matcher = Callable[[Any], int]

NA_VALUES = frozenset({"N/A", "TEMP_N/A", "n/a", "temp_n/a"})
OMIT_VALUES = frozenset({"OMIT", "TEMP_OMIT", "omit"})
WILDCARDS = frozenset({"*", "ANY", "N/A"})

_NOT_RE = re.compile(r"^NOT\s+(.*?)\s*$", re.IGNORECASE | re.DOTALL)
_BETWEEN_RE = re.compile(r"^BETWEEN\s+\S+\s+\S+\s*$", re.IGNORECASE)
_RELATION_RE = re.compile(r"^(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def is_esoteric(field: str) -> bool:
    """True for fields that are never split on ``|``: ``{..}``, ``(..)``, ``#..#``, BETWEEN, NOT."""
    if len(field) >= 2 and (
        (field[0] == "{" and field[-1] == "}")
        or (field[0] == "(" and field[-1] == ")")
        or (field[0] == "#" and field[-1] == "#")
    ):
        return True
    upper = field.upper()
    return upper.startswith("BETWEEN") or upper.startswith("NOT")


def normalize_field(field: Any) -> str:
    """Normalize one rmap Match key field (RULES.md §3.2.1 step 3)."""
    try:
        return _normalize_cached(field)
    except TypeError:  # unhashable (a list)
        return _normalize(field)


def _normalize(field: Any) -> str:
    if isinstance(field, str):
        if len(field) >= 2 and (
            (field[0] == "{" and field[-1] == "}") or (field[0] == "(" and field[-1] == ")")
        ):
            return field
        if "|" in field:
            parts = sorted(part.strip() for part in field.split("|") if part.strip())
            joined = "|".join(parts)
            if is_esoteric(joined):
                return joined
            return "|".join(condition_value(part) for part in parts)
        return condition_value(field)
    if isinstance(field, (tuple, list)):
        return "|".join(normalize_field(item) for item in field)
    return condition_value(str(field))


_normalize_cached = functools.lru_cache(maxsize=65536, typed=True)(_normalize)


def split_values(field: str) -> list[str]:
    """The values a normalized field contributes to its column's list of valid values."""
    if is_esoteric(field):
        return []
    return field.split("|")


# ---- matchers -------------------------------------------------------------------------------


def _with_prelude(field: str, test: Callable[[Any], bool]) -> Matcher:
    """Wrap ``test`` in the rules that come first for every matcher except N/A."""

    def match(value: Any) -> int:
        if value == field or value == "*":
            return 1
        if value == "N/A":
            return 0
        return 1 if test(value) else -1

    return match


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _relation(op: str, number: float) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        v = _float_or_none(value)
        if v is None:
            return False
        if op == ">":
            return v > number
        if op == ">=":
            return v >= number
        if op == "<":
            return v < number
        return v <= number

    return test


def _base_test(field: str) -> Callable[[Any], bool]:
    """The comparison for a plain (non-NOT, non-#) field."""
    if len(field) >= 2 and field[0] == "(" and field[-1] == ")":
        pattern = re.compile(field[1:-1])
        # A non-string value raises TypeError here, as in CRDS; Match handles it.
        return lambda value: pattern.match(value) is not None
    if len(field) >= 2 and field[0] == "{" and field[-1] == "}":
        literal = field[1:-1]
        return lambda value: value == literal
    if field.upper().startswith("BETWEEN"):
        _, low, high = field.split()
        lo, hi = float(low), float(high)

        def between(value: Any) -> bool:
            v = _float_or_none(value)
            return v is not None and lo <= v < hi

        return between
    if "|" in field or "*" in field:
        regex = re.compile("|".join(fnmatch.translate(part) for part in field.split("|")))
        return lambda value: regex.match(value) is not None
    relation = _RELATION_RE.match(field)
    if relation and field[0] in "<>":
        return _relation(relation.group(1), float(relation.group(2)))
    return lambda value: value == field


def _hash_expression(field: str) -> Matcher:
    """A ``#...#`` field: AND / OR combinations of relations, or one unstripped inner term."""
    upper = field.upper()
    if " AND " in upper or " OR " in upper:
        joiner = "AND" if " AND " in upper else "OR"
        parts = [part.strip() for part in upper.strip("#").split(joiner)]
        first, second = make_matcher(parts[0]), make_matcher(parts[1])

        def combined(value: Any) -> int:
            if isinstance(value, str):
                value = value.upper()
            if value == upper or value == "*":
                return 1
            if value == "N/A":
                return 0
            a, b = first(value), second(value)
            if joiner == "AND":
                return 1 if (a == 1 and b == 1) else -1
            return 1 if (a == 1 or b == 1) else -1

        return combined
    inner = make_matcher(upper[1:-1])

    def single(value: Any) -> int:
        if value == upper or value == "*":
            return 1
        if value == "N/A":
            return 0
        return inner(value)

    return single


@functools.lru_cache(maxsize=65536)
def make_matcher(field: str) -> Matcher:
    """Compile one normalized field into a matcher (RULES.md §3.2.2); shared per field text."""
    if field == "N/A":
        return lambda value: 0
    if len(field) >= 2 and field[0] == "#" and field[-1] == "#":
        return _hash_expression(field)
    negation = _NOT_RE.match(field)
    if negation:
        inner = make_matcher(negation.group(1))

        def negated(value: Any) -> int:
            return -inner(value)

        return negated
    if field.upper().startswith(("NOT", "BETWEEN")) and not _BETWEEN_RE.match(field):
        return _with_prelude(field, lambda value: False)  # e.g. 'NOTCH|X': one literal string
    return _with_prelude(field, _base_test(field))


# ---- validation -----------------------------------------------------------------------------


class ColumnValues:
    """The valid values of one Match column, for runtime validation (RULES.md §3.2.5)."""

    __slots__ = ("values", "sorted_values", "accepts_all", "has_na", "range", "substitutions")

    def __init__(self, fields: Iterable[str], substitutions: dict[str, Any] | None = None) -> None:
        values: set[str] = set()
        esoteric = False
        for field in fields:
            if is_esoteric(field):
                esoteric = True
            else:
                values.update(field.split("|"))
        if esoteric:
            values = set()
        self.values = frozenset(values)
        self.sorted_values = sorted(values)
        self.has_na = "N/A" in values
        self.accepts_all = not values or bool(values & WILDCARDS)
        self.range: tuple[float, float] | None = None
        if len(values) == 1:
            only = next(iter(values))
            if only.count(":") == 1:
                low, high = only.split(":")
                lo, hi = _float_or_none(low), _float_or_none(high)
                if lo is not None and hi is not None:
                    self.range = (lo, hi)
        self.substitutions = substitutions or {}

    def is_valid(self, value: Any) -> bool:
        """Whether a dataset value passes validation; may raise for non-string values."""
        if value in self.values or condition_value(value) in self.values:
            return True
        if self.accepts_all:
            return True
        if value.startswith("NOT"):
            return self.is_valid(value[3:].strip())
        if is_esoteric(value) or value in WILDCARDS:
            return True
        if value.lower().startswith("between"):
            return all(self.is_valid(bound) for bound in value.split()[1:])
        if self.range is not None:
            number = _float_or_none(value)
            if number is not None and self.range[0] <= number <= self.range[1]:
                return True
        if value in self.substitutions:
            replacement = self.substitutions[value]
            if isinstance(replacement, (list, tuple)):
                replacement = "|".join(replacement)
            return all(self.is_valid(part) for part in str(replacement).split("|"))
        return False

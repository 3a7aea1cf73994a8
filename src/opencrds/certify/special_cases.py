"""Equal-weight special cases of an rmap's Match selector (TOOLS.md §5.1 step 3).

Match case A is an *equal weight special case* of case B when every dataset A matches is also
matched by B with the same weight: at each parameter both are wildcards (``*``, ``N/A``) or
both are values, and A's or-glob alternatives are a subset of B's. CRDS then finds both
matches equally good; unless the rmap merges such overlaps (see :func:`merges_overlaps`),
certify reports A as an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..rules.mappings import ReferenceMapping
from ..rules.parser import SelectorCall

Report = Callable[[str, str], None]
_WILDCARDS = frozenset({"*", "N/A"})
#: Patterns whose meaning is not a plain set of values (regexes, ranges, comparisons).
_ESOTERIC = re.compile(r"^(BETWEEN|NOT)\b|[\[\]()^$<>=#?]", re.IGNORECASE)

Parts = tuple[frozenset[str] | None, ...]  # None: wildcard; else the alternatives


def _normal(value: str) -> str:
    text = value.strip()
    try:
        return repr(float(text))
    except ValueError:
        return text.upper()


def case_parts(key: Any) -> Parts | None:
    """A match key as per-parameter alternatives; None if it holds esoteric patterns."""
    values = key if isinstance(key, tuple) else (key,)
    parts: list[frozenset[str] | None] = []
    for value in values:
        text = str(value).strip()
        if text.upper() in _WILDCARDS:
            parts.append(None)
        elif _ESOTERIC.search(text):
            return None
        else:
            parts.append(frozenset(_normal(p) for p in text.split("|")))
    return tuple(parts)


def is_special_case(small: Parts, big: Parts) -> bool:
    """``small`` matches a subset of ``big``'s datasets with the same weight."""
    if len(small) != len(big) or small == big:
        return False
    for mine, theirs in zip(small, big, strict=True):
        if (mine is None) != (theirs is None):
            return False
        if mine is not None and not mine <= theirs:  # type: ignore[operator]
            return False
    return True


def _show(key: Any, value: Any) -> str:
    head = f"{key!r} : "
    if isinstance(value, SelectorCall) and value.entries:
        date, first = next(iter(value.entries.items()))
        return f"{head}{value.class_name}({{\n    {date!r} : {first}"
    return f"{head}{value!r}"


def merges_overlaps(mapping: ReferenceMapping) -> bool:
    """Whether lookups merge equal-weight matches: HST rmaps do unless their header says
    ``merge_overlaps`` is false; JWST and Roman treat such ties as errors."""
    if mapping.observatory.lower() != "hst":
        return False
    flag = str(mapping.header.get("merge_overlaps", "1")).strip().upper()
    return flag not in ("0", "F", "FALSE", "NO")


def check_special_cases(mapping: ReferenceMapping, report: Report) -> None:
    """Report every Match case that is an equal weight special case of another, for rmaps
    whose lookups do not merge them."""
    if merges_overlaps(mapping):
        return
    selector = mapping.parsed.selector
    if not isinstance(selector, SelectorCall) or selector.class_name != "Match":
        return
    cases = []
    for key in sorted(selector.entries, key=str):
        parts = case_parts(key)
        if parts is not None:
            cases.append((key, parts))
    globs = [(k, p) for k, p in cases if any(v is not None and len(v) > 1 for v in p)]
    from .context import Unprefixed
    from .mappings import parameter_display, shown_key

    show = parameter_display(mapping)
    params = mapping.parkey[0] if mapping.parkey else ()
    head = f"Match{tuple(show(str(p)) for p in params)!r}"
    url = f"https://{mapping.observatory.lower()}-crds.stsci.edu/static/users_guide/index.html"
    for key, parts in cases:
        for other, other_parts in globs:
            if is_special_case(parts, other_parts):
                report("ERROR", Unprefixed(f"{head} : {shown_key(key)!r} :\n"
                       f"{'-' * 40}\nMatch case\n{_show(key, selector.entries[key])}\n"
                       f"is an equal weight special case of\n"
                       f"{_show(other, selector.entries[other])}\n"
                       "Cancel the submission and regenerate the reference files\n"
                       "with different parameter values which coincide with an existing "
                       "category.\nFor some parameter sets, CRDS interprets both matches as "
                       "equally good.\nFor more explanation, see the file submission section "
                       f"of the CRDS server user's guide here:\n{url}\n{'-' * 40}"))
                break

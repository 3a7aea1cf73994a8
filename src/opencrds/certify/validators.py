"""Custom ``&NAME`` value validators of .tpn files (TOOLS.md §5.3)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable

_SIMPLE_PEDIGREES = ("GROUND", "MODEL", "DUMMY", "SIMULATION")


def _date(text: str, formats: tuple[str, ...]) -> _dt.datetime | None:
    for fmt in formats:
        try:
            return _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def pedigree(value: str) -> str | None:
    """HST PEDIGREE: simple word, or ``INFLIGHT|... start stop`` without a time part."""
    parts = value.split()
    if not parts:
        return "Invalid PEDIGREE ''"
    if parts[0] in _SIMPLE_PEDIGREES and len(parts) == 1:
        return None
    if parts[0] not in ("INFLIGHT", *_SIMPLE_PEDIGREES) or len(parts) != 3:
        return f"Invalid pedigree {value!r}"
    dates = [_date(p, ("%d/%m/%Y", "%Y-%m-%d")) for p in parts[1:]]
    if None in dates:
        return f"Invalid pedigree dates in {value!r}"
    if dates[0] > dates[1]:  # type: ignore[operator]
        return f"Pedigree start date after stop date in {value!r}"
    return None


def jwstpedigree(value: str) -> str | None:
    """JWST PEDIGREE: simple word, or ``INFLIGHT|MODEL YYYY-MM-DD YYYY-MM-DD``."""
    parts = value.split()
    if len(parts) == 1 and parts[0] in _SIMPLE_PEDIGREES:
        return None
    if len(parts) == 3 and parts[0] in ("INFLIGHT", "MODEL") and all(
            _date(p, ("%Y-%m-%d",)) for p in parts[1:]):
        return None
    return f"Invalid pedigree {value!r}"


def sybdate(value: str) -> str | None:
    """HST Sybase-style date, e.g. ``Oct 01 1996 00:00:00`` (other CRDS date forms accepted)."""
    text = " ".join(value.split())
    if _date(text.title(), ("%b %d %Y %H:%M:%S", "%b %d %Y %H:%M", "%b %d %Y",
                            "%b %d %Y %I:%M%p", "%b %d %Y %I:%M:%S%p",
                            "%b %d %Y %I:%M %p", "%b %d %Y %I:%M:%S %p",
                            "%b %d %Y %I:%M:%S:%f%p", "%b %d %Y %H:%M:%S:%f")):
        return None
    if _anydate(text):
        return None
    return f"Invalid date {value!r}"


_ANY_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%m/%d/%Y",
                "%Y/%m/%d")


def _anydate(text: str) -> bool:
    return _date(text.strip(), _ANY_FORMATS) is not None


class Advisory(str):
    """A validator finding that is only a warning (the value is usable but non-compliant)."""


def jwstdate(value: str) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS`` (or a date alone); other parsable dates, a space for the
    ``T`` included, are an :class:`Advisory` ("Non-compliant date format"), the rest
    invalid."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?)?", text):
        return None
    if _anydate(text) or sybdate(text) is None:
        return Advisory(f"Non-compliant date format {value!r} should be "
                        "'YYYY-MM-DDTHH:MM:SS'")
    return f"Invalid JWST date {value!r}"


def anydate(value: str) -> str | None:
    """Any date format CRDS understands."""
    return None if _anydate(value) or sybdate(value) is None else f"Invalid date {value!r}"


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "PEDIGREE": pedigree,
    "JWSTPEDIGREE": jwstpedigree,
    "SYBDATE": sybdate,
    "JWSTDATE": jwstdate,
    "ANYDATE": anydate,
    "SLASHDATE": anydate,
}


def validate(name: str, value: str) -> str | None:
    """Apply validator ``name`` to ``value``: the problem, or None. Unknown validators (array
    and synphot ones, which need more than a header value) accept everything."""
    check = VALIDATORS.get(name.upper())
    return None if check is None else check(value)

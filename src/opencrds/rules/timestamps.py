"""Parsing of lookup dates for UseAfter and ClosestTime (RULES.md §4.3).

The accepted formats, and the exact text of every failure, follow the reference client.  Many
failures carry Python's own messages (``invalid literal for int() ...``, ``not enough values to
unpack ...``, ``month must be in 1..12``); they are produced here by the same built-in
operations on the same pieces of text, so they read the same as the reference client's on the
same interpreter.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from .errors import CrdsError

__all__ = ["DateFormatError", "parse_date", "reformat_date"]


class DateFormatError(CrdsError, ValueError):
    """A lookup date could not be parsed; ``str(exc)`` is the bare message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_FAST = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
# Whole-text ISO form; ``$`` (not ``\Z``) on purpose: one trailing newline is tolerated.
_T_FORM = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d{1,6})?$")
_ALPHABETIC = re.compile(r"[A-Za-z]{3}")

# Numeric date tokens, after every "-" became "/".
_YEAR_MONTH_DAY = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_MONTH_DAY_YEAR = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_DAY_MONTH_19YY = re.compile(r"(\d{2})/(\d{2})/(9\d)")
_DAY_MONTH_20YY = re.compile(r"(\d{2})/(\d{2})/([0-3]\d)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2}):(\d{2})(\d{2})(\d{2})")

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_Time = tuple[int, int, int, int]
_MIDNIGHT: _Time = (0, 0, 0, 0)


def _parse_time(text: str) -> _Time:
    """``HH:MM[:SS[.f]]`` with an optional AM/PM suffix -> (hour, minute, second, microsecond)."""
    meridiem = text[-2:].upper()
    if meridiem in ("AM", "PM"):
        text = text[:-2]
    parts = text.split(":")
    if len(parts) in (2, 3):
        parts += ["0"] * (4 - len(parts))
    hours, minutes, seconds, _ignored = parts  # 1 or 5+ pieces fail here
    hour = int(hours)
    minute = int(minutes)
    real_seconds = float(seconds)
    second = int(real_seconds)
    microsecond = int((real_seconds - second) * 1e6)  # truncates float error: 38.296 -> 295999
    if meridiem == "PM" and hour < 12:
        hour += 12
    elif meridiem == "AM" and hour == 12:
        hour = 0
    return hour, minute, second, microsecond


def _month_number(token: str, base: str) -> int:
    number = _MONTHS.get(token[:3].lower())
    if number is None:
        raise ValueError(f"Invalid month value {token!r} in base date {base!r}")
    return number


def _parse_alphabetic(text: str) -> datetime.datetime:
    """Dates with a month name: ``Mon DD[,] YYYY [time]`` or ``DD Mon YYYY [time]``."""
    work = text
    if work[-3:].lower() in (" am", " pm"):
        # Glue a spaced suffix to the time: "... 01:02 PM" -> "... 01:02pm".  Every " pm"
        # (only the kind that ends the text) loses one space per round, for as long as the
        # text still ends with one; the text is lower-cased in the process.
        work = work.lower()
        spaced, glued = work[-3:], work[-2:]
        while work.endswith(spaced):
            work = work.replace(spaced, glued)
    tokens = work.replace("-", " ").replace("/", " ").split()
    time_text = tokens.pop() if len(tokens) == 4 else None
    first, second, third = tokens  # fewer than 3 or more than 4 tokens fail here
    if second.endswith(","):
        second = second[:-1]
    try:
        month, day, year = _month_number(first, text), int(second), int(third)
    except ValueError:
        month, day, year = _month_number(second, text), int(first), int(third)
    clock = _MIDNIGHT if time_text is None else _parse_time(time_text)
    return datetime.datetime(year, month, day, *clock)


def _parse_numeric(text: str) -> datetime.datetime:
    """Dates with numeric months; every ``-`` is read as ``/``."""
    text = text.replace("-", "/")
    tokens = text.split()
    date = tokens[0]  # empty text fails here
    hour, minute, second, microsecond = (
        _parse_time(" ".join(tokens[1:])) if len(tokens) > 1 else _MIDNIGHT
    )
    if match := _YEAR_MONTH_DAY.fullmatch(date):
        year, month, day = match.groups()
    elif match := _MONTH_DAY_YEAR.fullmatch(date):
        month, day, year = match.groups()
    elif match := _DAY_MONTH_19YY.fullmatch(date):
        day, month, year = match.group(1), match.group(2), 1900 + int(match.group(3))
    elif match := _DAY_MONTH_20YY.fullmatch(date):
        day, month, year = match.group(1), match.group(2), 2000 + int(match.group(3))
    elif match := _COMPACT.fullmatch(date):
        # The date carries its own time; any separate time was parsed above but is ignored.
        year, month, day, hour, minute, second = map(int, match.groups())
        microsecond = 0
    else:
        raise ValueError(f"Unknown numerical date format: {text!r}")
    return datetime.datetime(int(year), int(month), int(day), hour, minute, second, microsecond)


def _parse(text: str) -> datetime.datetime:
    if match := _FAST.fullmatch(text):
        return datetime.datetime(*map(int, match.groups()))
    if "UNDEFINED" in text:
        raise ValueError("One or more required date/time values is UNDEFINED")
    if text.endswith(" UT"):
        text = text[:-3]
    if _T_FORM.match(text):
        text = text.replace("T", " ")
    if _ALPHABETIC.search(text):
        return _parse_alphabetic(text)
    return _parse_numeric(text)


def parse_date(text: str | datetime.datetime) -> datetime.datetime:
    """Parse a lookup date/time string; raise DateFormatError with the reference message."""
    if isinstance(text, datetime.datetime):
        return text
    try:
        return _parse(text)
    except (ValueError, IndexError, OverflowError) as exc:
        raise DateFormatError(str(exc)) from None


@lru_cache(maxsize=4096)
def _reformat(text: str) -> str:
    return parse_date(text).isoformat(" ")


def reformat_date(text: str | datetime.datetime) -> str:
    """Parse ``text`` and print it as ``YYYY-MM-DD HH:MM:SS[.ffffff]``.

    The fraction appears only when the microseconds are non-zero.
    """
    if isinstance(text, datetime.datetime):
        return text.isoformat(" ")
    return _reformat(text)

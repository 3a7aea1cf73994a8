"""Comparing lookup outcomes of two implementations (used by the differential tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def comparable(value: Any) -> Any:
    """A comparable form of a result: selector objects leaking into results become their text."""
    if isinstance(value, tuple):
        return tuple(comparable(v) for v in value)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return repr(value)


def outcome(function: Callable[..., Any], *args: Any) -> Any:
    """``comparable(function(*args))``, or ``('raised', message)``: exception classes differ
    between implementations, their messages must not."""
    try:
        return comparable(function(*args))
    except Exception as exc:
        return ("raised", str(exc))

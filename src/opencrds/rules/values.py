"""Normalization of header values and rmap keys (RULES.md §4.1).

``condition_value`` runs on every dataset header value and every Match key, so it keeps a
bounded memo of string results and does the numeric test with one precompiled regex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["condition_header", "condition_value"]

# Decimal numbers as they look after upper-casing: optional sign, then either a trailing-dot
# integer ("1.") or digits with an optional fraction and optional exponent ("1", "1.5", ".5",
# "1E3").  ASCII digits only; "1.E3" is deliberately not a number.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.|[0-9]*\.?[0-9]+(?:E[+-]?[0-9]+)?)")

# Final rewrites, applied after the numeric canonicalization.
_REWRITES = {
    "-2147483648.0": "N/A",
    "()": "N/A",
    "N/A": "N/A",
    "NOT APPLICABLE": "N/A",
    "NOT_APPLICABLE": "N/A",
    "ANY": "*",
    "4294967295.0": "-1.0",
    "T": "T",
    "TRUE": "T",
    "F": "F",
    "FALSE": "F",
}

_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 65536


# Values that merely *start* with one of these also mean N/A ('N/AB', '()0', ...), as in CRDS.
_NA_PREFIXES = ("-2147483648.0", "()", "N/A", "NOT APPLICABLE")


def _condition_text(text: str) -> str:
    value = text.strip().upper()
    if _NUMBER.fullmatch(value):
        value = repr(float(value))
    if value.startswith(_NA_PREFIXES):
        return "N/A"
    return _REWRITES.get(value, value)


def condition_value(value: Any) -> str:
    """Normalize one header value or rmap key to the text used for matching.

    Anything is first turned into ``str(value)``, so ``True`` -> ``'T'`` and ``2`` -> ``'2.0'``.
    """
    text = value if type(value) is str else str(value)
    result = _CACHE.get(text)
    if result is None:
        result = _condition_text(text)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[text] = result
    return result


def condition_header(header: Mapping[str, Any]) -> dict[str, str]:
    """Upper-case every key of ``header`` and normalize every value."""
    return {key.upper(): condition_value(value) for key, value in header.items()}

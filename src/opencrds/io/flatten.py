"""Nested trees (ASDF, JSON, YAML) as flat headers of strings, the way CRDS presents them.

``{"meta": {"instrument": {"name": "NIRCAM"}}}`` becomes ``{"META.INSTRUMENT.NAME": "NIRCAM"}``.
Every value becomes a string:

* strings stay as they are; booleans and numbers are ``str()``-ed (``True``, ``1.5``, ``1e-07``);
* a ``datetime`` prints as ISO ``YYYY-MM-DDTHH:MM:SS[.ffffff]``, wall-clock time (a time zone is
  dropped), with the microseconds re-derived from the seconds as a float and truncated, as the
  reference client's date parser does (``.123456`` -> ``.123455``);
* an astropy ``Time`` prints as its UTC ISO time to the second (after rounding to milliseconds);
* a list or tuple prints as a Python tuple of its converted items (``('1', 'x')``), in which a
  mapping is not expanded but suppressed;
* anything else (``None``, dates, arrays, models, units ...) becomes
  ``SUPRESSED_NONSTD_TYPE: '<type name>'`` (sic).

Mapping keys are upper-cased; keys that are not strings, and empty mappings, are left out.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Mapping
from typing import Any

SUPPRESSED = "SUPRESSED_NONSTD_TYPE: {!r}"  # the reference client's spelling


def suppressed(value: Any) -> str:
    """The placeholder text for a value that has no header form."""
    return SUPPRESSED.format(type(value).__name__)


def datetime_text(value: datetime.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]``; microseconds truncated through a float, zone dropped."""
    seconds = float(f"{value.second}.{value.microsecond:06d}")
    micro = int((seconds - int(seconds)) * 1e6)
    return value.replace(microsecond=micro, tzinfo=None).isoformat()


def _time_text(value: Any) -> str:
    """An astropy ``Time`` as ``YYYY-MM-DDTHH:MM:SS`` (UTC, rounded to ms, then cut to seconds)."""
    if not value.isscalar:
        return suppressed(value)
    utc = value.utc
    if utc.precision != 3:
        utc = utc.copy()
        utc.precision = 3
    return str(utc.iso).split(".", 1)[0].replace(" ", "T")


def _is_time(value: Any) -> bool:
    """Whether ``value`` is an astropy ``Time`` (there can be none before astropy.time loads)."""
    module = sys.modules.get("astropy.time")
    return module is not None and isinstance(value, module.Time)


def value_text(value: Any) -> str:
    """The header string of one (non-mapping) tree value."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return datetime_text(value)
    if isinstance(value, (list, tuple)):
        return str(tuple(_item(v) for v in value))
    if _is_time(value):
        return _time_text(value)
    return suppressed(value)


def _item(value: Any) -> Any:
    """A list item: nested sequences stay tuples, mappings are suppressed."""
    if isinstance(value, (list, tuple)):
        return tuple(_item(v) for v in value)
    if isinstance(value, Mapping):
        return suppressed(value)
    return value_text(value)


def flatten_tree(tree: Mapping[Any, Any], prefix: str = "",
                 into: dict[str, str] | None = None) -> dict[str, str]:
    """The flat header of a nested mapping: dotted upper-case keys, string values."""
    header: dict[str, str] = {} if into is None else into
    for key, value in tree.items():
        if not isinstance(key, str):
            continue
        name = prefix + key.upper()
        if isinstance(value, Mapping):
            flatten_tree(value, name + ".", header)
        else:
            header[name] = value_text(value)
    return header

"""Flatten an rmap's selector tree into rows: (key per level, terminal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..rules.parser import SelectorCall

Row = tuple[tuple[Any, ...], Any]


def flatten(selector: Any, prefix: tuple[Any, ...] = ()) -> Iterator[Row]:
    """Every (path of keys, terminal) below ``selector``; a UseAfter date ``'D T'`` is split
    into ``('D', 'T')`` as CRDS shows it."""
    if isinstance(selector, SelectorCall):
        for key, value in selector.entries.items():
            shown = tuple(key.split()) if selector.class_name == "UseAfter" and isinstance(
                key, str) else key
            yield from flatten(value, (*prefix, shown))
    else:
        yield prefix, selector


def terminal_names(value: Any) -> list[str]:
    """The file names in a terminal (a name, a tuple of names or a dict of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return []

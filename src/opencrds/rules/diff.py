"""Logical differences between two mappings, recursively (TOOLS.md §2.5).

Each difference is a tuple like ``crds diff`` prints: the pairs of mapping names leading to it
(contexts -> imaps -> rmaps), then the selector keys (a Match key as a tuple of strings, a
UseAfter date as ``(date, time)``), then a message: ``added terminal X``, ``deleted terminal
X``, ``replaced X with Y``, ``added Match rule for X``, ``deleted Match rule for X``. Nested
differences come before the ``replaced`` lines of the level above. Pure: mapping text is
obtained through a ``load(name) -> ParsedMapping`` function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .naming import is_mapping
from .parser import ParsedMapping, SelectorCall

Loader = Callable[[str], ParsedMapping]
Difference = tuple[Any, ...]
_SPECIAL = ("N/A", "OMIT")


def _key_tuple(key: Any, class_name: str) -> tuple[str, ...]:
    """A selector key as printed: UseAfter dates split into (date, time)."""
    if class_name == "UseAfter" and isinstance(key, str):
        return tuple(key.split())
    if isinstance(key, tuple):
        return tuple(str(field) for field in key)
    return (str(key),)


def _terminals(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(sub-path, terminal) for every terminal below ``value``."""
    if isinstance(value, SelectorCall):
        for key in sorted(value.entries, key=lambda k: _key_tuple(k, value.class_name)):
            yield from _terminals(value.entries[key],
                                  path + (_key_tuple(key, value.class_name),))
    else:
        yield path, value


def _value_text(value: Any, parkeys: tuple[Any, ...], depth: int) -> str:
    """A replaced value as printed: a nested selector as ``UseAfterSelector((DATE, TIME),
    nselections=n)``."""
    if isinstance(value, SelectorCall):
        names = parkeys[depth] if depth < len(parkeys) else ()
        names = names if isinstance(names, tuple) else (names,)
        return (f"{value.class_name}Selector({_parkey_text(tuple(map(str, names)))}, "
                f"nselections={len(value.entries)})")
    return str(value)


def _selector_diffs(old: Any, new: Any, path: tuple[Any, ...],
                    parkeys: tuple[Any, ...] = (), depth: int = 0) -> Iterator[Difference]:
    """Differences between two rmap selector trees at ``path``; ``parkeys`` are the rmap's
    parameter tuples by level, ``depth`` the level of ``old`` and ``new``."""
    if not isinstance(old, SelectorCall) or not isinstance(new, SelectorCall):
        if old != new:
            yield path + (f"replaced {_value_text(old, parkeys, depth)} with "
                          f"{_value_text(new, parkeys, depth)}",)
        return
    if old.class_name != new.class_name:
        yield path + (f"different classes {old.class_name} vs. {new.class_name}",)
        return
    name = old.class_name
    keys: dict[tuple[str, ...], tuple[Any, Any]] = {}
    for key in old.entries:
        keys.setdefault(_key_tuple(key, name), [None, None])[0] = key  # type: ignore[index]
    for key in new.entries:
        keys.setdefault(_key_tuple(key, name), [None, None])[1] = key  # type: ignore[index]
    for shown in sorted(keys):
        old_key, new_key = keys[shown]
        here = path + (shown,)
        if old_key is not None and new_key is not None:
            a, b = old.entries[old_key], new.entries[new_key]
            if shown == () and not isinstance(a, SelectorCall) \
                    and not isinstance(b, SelectorCall):
                here = path  # Match({(): terminal}): crds shows no empty key
            yield from _selector_diffs(a, b, here, parkeys, depth + 1)
            continue
        value = old.entries[old_key] if new_key is None else new.entries[new_key]
        verb = "deleted" if new_key is None else "added"
        for sub, terminal in _terminals(value):
            if name == "UseAfter" and not sub:
                yield here + (f"{verb} terminal {terminal}",)
            else:
                yield here + sub + (f"{verb} {name} rule for {terminal}",)


def _match_parkeys(parsed: ParsedMapping) -> tuple[str, ...]:
    """The parameter names of an rmap's first (Match) level."""
    parkey = parsed.header.get("parkey")
    first = parkey[0] if isinstance(parkey, tuple) and parkey else ()
    return tuple(map(str, first)) if isinstance(first, tuple) else (str(first),)


def _is_child(value: Any) -> bool:
    return isinstance(value, str) and value.upper() not in _SPECIAL and is_mapping(value)


def _parkey_text(names: tuple[str, ...]) -> str:
    """A parameter list as ``crds diff`` prints it: ``(A, B)``, ``(A,)``, ``()``."""
    return str(tuple(names)).replace("'", "")


def added_deleted_diffs(name: str, verb: str, prefix: tuple[Any, ...],
                        load: Loader) -> Iterator[Difference]:
    """``-U``: every file below the added or deleted mapping ``name``, as
    ``prefix + (name, keys..., '<verb> terminal X')``; nested mappings recursively."""
    mapping = load(name)
    if isinstance(mapping.selector, SelectorCall):
        for sub, terminal in _terminals(mapping.selector):
            yield prefix + (name,) + sub + (f"{verb} terminal {terminal}",)
    elif isinstance(mapping.selector, dict):
        for key in sorted(mapping.selector, key=str):
            child = mapping.selector[key]
            if _is_child(child):
                yield from added_deleted_diffs(child, verb, prefix + (name,), load)


def _context_diffs(old: ParsedMapping, new: ParsedMapping, path: tuple[Any, ...],
                   load: Loader, options: DiffOptions) -> Iterator[Difference]:
    """Differences between two pmaps or imaps: nested ones first, then this level's."""
    olds = {str(k).lower(): v for k, v in old.selector.items()}
    news = {str(k).lower(): v for k, v in new.selector.items()}
    own: list[Difference] = []
    for key in sorted(set(olds) | set(news)):
        a, b = olds.get(key), news.get(key)
        if a == b:
            continue
        if a is None:
            own.append(path + ((key,), f"added {b}"))
            if options.recurse_added_deleted and _is_child(b):
                yield from added_deleted_diffs(b, "added", path[:-1] + ((path[-1][1],),), load)
        elif b is None:
            own.append(path + ((key,), f"deleted {a}"))
            if options.recurse_added_deleted and _is_child(a):
                yield from added_deleted_diffs(a, "deleted", path[:-1] + ((path[-1][0],),), load)
        else:
            if _is_child(a) and _is_child(b):
                yield from mapping_diffs(a, b, load, path, options=options)
            own.append(path + ((key,), f"replaced {a} with {b}"))
    yield from own


@dataclass(frozen=True)
class DiffOptions:
    """What :func:`mapping_diffs` reports besides the selector differences.

    ``include_headers`` adds header differences at every level (``-i``) except the keys in
    ``boring`` (``-B``); ``recurse_added_deleted`` lists the files below an added or deleted
    mapping (``-U``)."""

    include_headers: bool = False
    boring: tuple[str, ...] = ()
    recurse_added_deleted: bool = False


def mapping_diffs(old: str, new: str, load: Loader,
                  path: tuple[Any, ...] = (), shown: tuple[str, str] | None = None,
                  options: DiffOptions = DiffOptions()) -> Iterator[Difference]:
    """The logical differences between mappings ``old`` and ``new`` (names or paths).

    ``shown`` is the pair printed for this level (default: the basenames).
    """
    a, b = load(old), load(new)
    here = path + (shown or (a.filename, b.filename),)
    if options.include_headers:
        yield from header_diffs(a, b, here, options.boring)
    if isinstance(a.selector, dict) and isinstance(b.selector, dict):
        yield from _context_diffs(a, b, here, load, options)
    elif isinstance(a.selector, SelectorCall) and isinstance(b.selector, SelectorCall):
        old_keys, new_keys = _match_parkeys(a), _match_parkeys(b)
        if old_keys != new_keys:
            yield here + (f"different parameter lists  {_parkey_text(old_keys)} : "
                          f"{_parkey_text(new_keys)}",)
        else:
            parkey = b.header.get("parkey", ())
            yield from _selector_diffs(a.selector, b.selector, here,
                                       parkey if isinstance(parkey, tuple) else ())
    else:
        yield here + ("different mapping kinds",)


def header_diffs(old: ParsedMapping, new: ParsedMapping, path: tuple[Any, ...] = (),
                 boring: tuple[str, ...] = ()) -> Iterator[Difference]:
    """Header differences (``-i``): ``header added/deleted/replaced 'key'`` lines."""
    for key in sorted(set(old.header) | set(new.header)):
        if key in boring:
            continue
        a, b = old.header.get(key), new.header.get(key)
        if a == b:
            continue
        if a is None:
            yield path + (f"header added {key!r} = {b!r}",)
        elif b is None:
            yield path + (f"header deleted {key!r} = {a!r}",)
        else:
            yield path + (f"header replaced {key!r} = {a!r} with {b!r}",)


def logical_diffs(old: str, new: str, load: Loader,
                  shown: tuple[str, str] | None = None,
                  options: DiffOptions = DiffOptions()) -> list[Difference]:
    """:func:`mapping_diffs` in ``crds diff`` order: deeper differences (longer tuples) first,
    tuples of one length in sorted order."""
    diffs = list(mapping_diffs(old, new, load, shown=shown, options=options))
    try:
        return sorted(diffs, key=lambda d: (-len(d), d))
    except TypeError:  # mixed element types (-U): strings before tuples at one position
        return sorted(diffs, key=lambda d: (-len(d), tuple(
            (0, e) if isinstance(e, str) else (1, tuple(map(str, e))) for e in d)))

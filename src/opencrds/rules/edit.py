"""Pure rmap refactoring: insert, replace or delete references (TOOLS.md §2.7, RULES.md §9).

A reference is placed by its header: at each ``Match`` level the values of that level's
parkeys (conditioned with :func:`condition_value`) form the key; at each ``UseAfter`` level
its ``USEAFTER`` date, as ``'YYYY-MM-DD HH:MM:SS'``, is the key. An existing key that is
equal after conditioning is reused as written. Results are new :class:`ParsedMapping`
objects; :func:`derived_text` writes one in canonical form with ``derived_from`` and checksum.
No I/O happens here: the caller reads reference headers and writes files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import CrdsError
from .parser import ParsedMapping, SelectorCall
from .timestamps import reformat_date
from .values import condition_value
from .writer import write_with_checksum

USEAFTER_KEYS = ("USEAFTER", "META.USEAFTER", "META.REFFILE.USEAFTER")
_DATE_SELECTORS = ("UseAfter",)
_MATCH_SELECTORS = ("Match",)


class RefactorError(CrdsError, ValueError):
    """A reference cannot be placed in, or removed from, an rmap."""


def _copy_selector(value: Any) -> Any:
    """A deep copy of a selector tree (terminals are immutable)."""
    if isinstance(value, SelectorCall):
        return SelectorCall(value.class_name,
                            {k: _copy_selector(v) for k, v in value.entries.items()})
    return value


def _parkey_levels(parsed: ParsedMapping) -> tuple[tuple[str, ...], ...]:
    """The rmap's ``parkey`` header as a tuple of per-level tuples of names."""
    parkey = parsed.header.get("parkey")
    if not isinstance(parkey, tuple):
        raise RefactorError(f"'{parsed.filename}' has no valid 'parkey' header")
    return tuple(tuple(level) if isinstance(level, tuple) else (level,) for level in parkey)


def _header_value(header: Mapping[str, Any], key: str) -> str:
    """The conditioned header value of ``key`` ('UNDEFINED' when missing)."""
    upper = {str(k).upper(): v for k, v in header.items()}
    return condition_value(upper.get(key.upper(), "UNDEFINED"))


def useafter_key(header: Mapping[str, Any]) -> str:
    """The reference's USEAFTER as an rmap UseAfter key ``'YYYY-MM-DD HH:MM:SS'``."""
    upper = {str(k).upper(): v for k, v in header.items()}
    for key in USEAFTER_KEYS:
        value = upper.get(key)
        if value not in (None, "", "UNDEFINED"):
            try:
                return reformat_date(str(value))
            except ValueError as exc:
                raise RefactorError(f"bad USEAFTER {value!r}: {exc}") from None
    raise RefactorError("reference has no USEAFTER keyword")


def _conditioned_key(key: Any) -> tuple[str, ...]:
    fields = key if isinstance(key, tuple) else (key,)
    return tuple(condition_value(field) for field in fields)


def _same_date(a: Any, b: str) -> bool:
    try:
        return reformat_date(str(a)) == b
    except ValueError:
        return False


def reference_path(parsed: ParsedMapping, header: Mapping[str, Any], *,
                   bare_single_keys: bool = False) -> list[Any]:
    """The selector keys at which a reference with ``header`` belongs, one per level.

    Existing keys equal after conditioning are returned as written in the rmap. A new key of a
    one-parameter ``Match`` is a 1-tuple, or with ``bare_single_keys`` the bare value (as
    ``crds refactor`` writes it).
    """
    levels = _parkey_levels(parsed)
    path: list[Any] = []
    node: Any = parsed.selector
    for depth, parkeys in enumerate(levels):
        if isinstance(node, SelectorCall):
            class_name, entries = node.class_name, node.entries
        elif node is None and depth:
            class_name, entries = _nested_class(parsed, depth), {}
        else:
            break
        if class_name in _DATE_SELECTORS:
            new_key: Any = useafter_key(header)
            found = next((k for k in entries if _same_date(k, new_key)), None)
        elif class_name in _MATCH_SELECTORS:
            new_key = tuple(_header_value(header, p) for p in parkeys)
            found = next((k for k in entries if _conditioned_key(k) == new_key), None)
        else:
            raise RefactorError(f"cannot insert into a {class_name} selector "
                                f"(level {depth + 1} of '{parsed.filename}')")
        if found is None and bare_single_keys and class_name in _MATCH_SELECTORS \
                and len(new_key) == 1:
            new_key = new_key[0]
        key = new_key if found is None else found
        path.append(key)
        node = entries.get(key)
    return path


def _nested_class(parsed: ParsedMapping, depth: int) -> str:
    """The selector class used below level ``depth`` (from any existing sibling)."""
    def walk(node: Any, level: int) -> str | None:
        if not isinstance(node, SelectorCall):
            return None
        if level == depth:
            return node.class_name
        for child in node.entries.values():
            found = walk(child, level + 1)
            if found:
                return found
        return None
    found = walk(parsed.selector, 0)
    if found is None:
        raise RefactorError(f"cannot tell the selector kind of level {depth + 1}")
    return found


def insert_reference(parsed: ParsedMapping, reference: str, header: Mapping[str, Any],
                     *, replace_only: bool = False,
                     bare_single_keys: bool = False) -> tuple[ParsedMapping, str | None]:
    """Place ``reference`` (a basename) by its ``header``; return (new mapping, replaced name).

    ``replace_only`` requires an existing terminal at that place (it is replaced);
    ``bare_single_keys`` as for :func:`reference_path`.
    """
    path = reference_path(parsed, header, bare_single_keys=bare_single_keys)
    selector = _copy_selector(parsed.selector)
    node = selector
    replaced = None
    for depth, key in enumerate(path):
        last = depth == len(path) - 1
        if last:
            old = node.entries.get(key)
            if isinstance(old, SelectorCall):
                raise RefactorError(f"key {key!r} holds a nested selector, not a file")
            if old is None and replace_only:
                raise RefactorError(f"no existing file at {tuple(path)!r} to replace")
            replaced = old
            node.entries[key] = reference
        else:
            child = node.entries.get(key)
            if child is None:
                if replace_only:
                    raise RefactorError(f"no existing file at {tuple(path)!r} to replace")
                child = SelectorCall(_nested_class(parsed, depth + 1), {})
                node.entries[key] = child
            node = child
    return dataclasses.replace(parsed, selector=selector), replaced


def delete_references(parsed: ParsedMapping, names: Iterable[str]) -> ParsedMapping:
    """Remove every terminal naming one of ``names``, and selectors left empty.

    Raises :class:`RefactorError` if a name is not in the rmap.
    """
    names = set(names)
    seen: set[str] = set()

    def prune(node: SelectorCall) -> SelectorCall:
        kept: dict[Any, Any] = {}
        for key, value in node.entries.items():
            if isinstance(value, SelectorCall):
                child = prune(value)
                if child.entries or not value.entries:
                    kept[key] = child
            elif isinstance(value, str) and value in names:
                seen.add(value)
            else:
                kept[key] = value
        return SelectorCall(node.class_name, kept)

    if not isinstance(parsed.selector, SelectorCall):
        raise RefactorError(f"'{parsed.filename}' is not an rmap")
    selector = prune(parsed.selector)
    missing = sorted(names - seen)
    if missing:
        raise RefactorError(f"Terminal '{', '.join(missing)}' could not be found and deleted.")
    return dataclasses.replace(parsed, selector=selector)


def derived_text(parsed: ParsedMapping, derived_from: str, new_name: str | None = None) -> str:
    """Canonical text of ``parsed`` with ``derived_from`` (and ``name``) set, and its sha1sum."""
    header = dict(parsed.header)
    header["derived_from"] = derived_from
    if new_name is not None:
        header["name"] = new_name
    return write_with_checksum(header, parsed.selector, parsed.comment)


def set_context_entry(parsed: ParsedMapping, key: str, value: str) -> tuple[ParsedMapping, Any]:
    """Set the pmap/imap selector entry ``key`` (any case; an existing key keeps its case).

    Returns the new mapping and the old value (``None`` if the key is new; a new key is
    written upper case in a pmap, as the imap's other keys otherwise).
    """
    selector = parsed.selector
    if not isinstance(selector, dict):
        raise RefactorError(f"'{parsed.filename}' is not a pipeline or instrument context")
    found = next((k for k in selector if str(k).lower() == key.lower()), None)
    if found is None:
        keys = [str(k) for k in selector]
        found = key.upper() if all(k.isupper() for k in keys) else key.lower()
    new = dict(selector)
    old = new.get(found)
    new[found] = value
    return dataclasses.replace(parsed, selector=new), old

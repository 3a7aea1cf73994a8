"""Canonical mapping text (RULES.md §9).

:func:`format_mapping` writes a header, an optional comment and a selector exactly as the CRDS
writer does, byte for byte:

* ``header = `` + dict block + blank line; if there is a comment, ``comment = `` + the text
  in triple double quotes (not escaped) + blank line; ``selector = `` + (dict block or
  selector block) + newline;
* dict blocks list items sorted by key, one per line, 4 spaces per level, ``repr(key) : value,``;
  nested dicts become nested blocks, every other value is ``repr(value)``;
* selector blocks are ``ClassName({`` ... ``})``, entries sorted by the tuple of ``str(field)``
  (a bare key counts as a 1-tuple), nested selectors as nested blocks, terminals as ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .checksum import SHA1SUM_KEY, mapping_checksum
from .parser import ParsedMapping, SelectorCall

INDENT = "    "
PLACEHOLDER_SHA1SUM = "0" * 40

SortKey = Callable[[Any], Any]


def selector_sort_key(key: Any) -> tuple[str, ...]:
    """Canonical order of selector entries: the tuple of ``str(field)``; bare keys are 1-tuples.

    Numbers therefore sort as text: ``('AREA', 15)`` comes before ``('AREA', 7)``.
    """
    if isinstance(key, tuple):
        return tuple(str(field) for field in key)
    return (str(key),)


def _sorted_keys(items: Mapping[Any, Any]) -> list[Any]:
    """Dict keys in sorted order; mixed, unorderable key types fall back to (type, repr)."""
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=lambda k: (type(k).__name__, repr(k)))


def format_dict(items: Mapping[Any, Any], level: int = 0, keep_order: bool = False) -> str:
    """A dict block at nesting ``level``: ``{``, sorted ``repr(key) : value,`` lines, ``}``."""
    pad = INDENT * (level + 1)
    parts = ["{\n"]
    for key in (items if keep_order else _sorted_keys(items)):
        parts.append(f"{pad}{key!r} : {format_value(items[key], level + 1, keep_order)},\n")
    parts.append(INDENT * level + "}")
    return "".join(parts)


def format_selector(
    call: SelectorCall,
    level: int = 0,
    sort_key: SortKey | None = selector_sort_key,
) -> str:
    """A selector block at nesting ``level``: ``ClassName({``, sorted entries, ``})``.

    ``sort_key=None`` keeps the entries in their given order.
    """
    pad = INDENT * (level + 1)
    entries = call.entries
    parts = [call.class_name, "({\n"]
    for key in (entries if sort_key is None else sorted(entries, key=sort_key)):
        value = entries[key]
        if isinstance(value, SelectorCall):
            text = format_selector(value, level + 1, sort_key)
        else:
            text = repr(value)
        parts.append(f"{pad}{key!r} : {text},\n")
    parts.append(INDENT * level + "})")
    return "".join(parts)


def format_value(value: Any, level: int = 0, keep_order: bool = False) -> str:
    """A header or context value: nested dicts and selectors as blocks, anything else repr."""
    if isinstance(value, dict):
        return format_dict(value, level, keep_order)
    if isinstance(value, SelectorCall):
        return format_selector(value, level, None if keep_order else selector_sort_key)
    return repr(value)


def format_mapping(
    header: Mapping[str, Any],
    selector: Mapping[Any, Any] | SelectorCall,
    comment: str | None = None,
    *,
    sort_key: SortKey = selector_sort_key,
    keep_order: bool = False,
) -> str:
    """The canonical text of a mapping (header with original-case values).

    Only tools that study non-canonical files should pass the keywords: ``sort_key`` orders
    rmap selector entries; ``keep_order`` writes every dict and selector in its given order.
    """
    selector_key = None if keep_order else sort_key
    parts = ["header = ", format_dict(header, 0, keep_order), "\n\n"]
    if comment is not None:
        parts += ['comment = """', comment, '"""\n\n']
    if isinstance(selector, SelectorCall):
        parts += ["selector = ", format_selector(selector, 0, selector_key), "\n"]
    else:
        parts += ["selector = ", format_dict(selector, 0, keep_order), "\n"]
    return "".join(parts)


def format_parsed(
    parsed: ParsedMapping,
    *,
    sort_key: SortKey = selector_sort_key,
    keep_order: bool = False,
) -> str:
    """The canonical text of a parsed mapping (``#`` comments and original order are lost)."""
    return format_mapping(
        parsed.header, parsed.selector, parsed.comment, sort_key=sort_key, keep_order=keep_order
    )


def write_with_checksum(
    header: Mapping[str, Any],
    selector: Mapping[Any, Any] | SelectorCall,
    comment: str | None = None,
) -> str:
    """Canonical text with ``sha1sum`` set to the checksum of that very text.

    The header gains a ``sha1sum`` entry (in its sorted position) if it has none; the input
    mapping is not modified.
    """
    header = dict(header)
    header[SHA1SUM_KEY] = PLACEHOLDER_SHA1SUM
    text = format_mapping(header, selector, comment)
    # The sha1sum line is not hashed, so the placeholder can be replaced after hashing. repr()
    # never yields a raw newline, so this exact top-level line can only be the header's own.
    line = f"\n{INDENT}{SHA1SUM_KEY!r} : {PLACEHOLDER_SHA1SUM!r},\n"
    real = f"\n{INDENT}{SHA1SUM_KEY!r} : {mapping_checksum(text)!r},\n"
    return text.replace(line, real, 1)


def write_parsed_with_checksum(parsed: ParsedMapping) -> str:
    """:func:`write_with_checksum` for a :class:`ParsedMapping`."""
    return write_with_checksum(parsed.header, parsed.selector, parsed.comment)

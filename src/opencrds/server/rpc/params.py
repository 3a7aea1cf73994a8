"""Checking JSON-RPC parameters: the limits every value obeys, and annotations.

:func:`value_problem` bounds any decoded JSON value (nesting at most :data:`MAX_DEPTH`,
strings at most :data:`MAX_TEXT` characters with no NUL and no lone surrogate, 64-bit
integers, finite numbers) without recursion. :func:`accepts` checks a value against a
method's type annotation and :func:`constraint_problem` against the ``Annotated`` bounds in it
(:class:`MaxLength`, :class:`GlobPattern`). Problems are phrases that follow
"parameter 'x' ...".
"""

from __future__ import annotations

import functools
import inspect
import math
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

#: Deepest nesting of lists/objects inside one parameter (a header map is 2 levels).
MAX_DEPTH = 16
#: Longest string anywhere in the parameters, in characters.
MAX_TEXT = 64 * 1024
#: Integers must fit in 64 bits.
MAX_INT = 2**63


def accepts(value: Any, annotation: Any) -> bool:
    """Does a JSON value fit a (simple) type annotation?"""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = get_origin(annotation)
    if origin is Annotated:
        return accepts(value, get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(accepts(value, option) for option in get_args(annotation))
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        if not isinstance(value, list):
            return False
        if _text_type(item):  # the common list of names, without a call per item
            return all(isinstance(v, str) for v in value)
        return all(accepts(v, item) for v in value)
    if origin is dict:
        key, item = get_args(annotation) or (Any, Any)
        if not isinstance(value, dict):
            return False
        if _text_type(key):
            keys_fit = all(isinstance(k, str) for k in value)
        else:
            keys_fit = all(accepts(k, key) for k in value)
        return keys_fit and (item is Any or all(accepts(v, item) for v in value.values()))
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, annotation)


def type_name(annotation: Any) -> str:
    if get_origin(annotation) is Annotated:
        return type_name(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return " | ".join(type_name(option) for option in get_args(annotation))
    text = getattr(annotation, "__name__", None) if get_origin(annotation) is None else None
    return text or str(annotation).replace("typing.", "")


@dataclass(frozen=True)
class MaxLength:
    """``Annotated[str, MaxLength(n)]``: a string of at most ``n`` characters."""

    limit: int

    def problem(self, value: str) -> str | None:
        if len(value) > self.limit:
            return f"is longer than {self.limit} characters ({len(value)})"
        return None


@dataclass(frozen=True)
class GlobPattern:
    """``Annotated[str, GlobPattern()]``: a file-name glob of bounded length and wildcards,
    so matching it against every catalogued name stays cheap."""

    limit: int = 255
    wildcards: int = 16

    def problem(self, value: str) -> str | None:
        if len(value) > self.limit:
            return f"is longer than {self.limit} characters ({len(value)})"
        count = sum(value.count(c) for c in "*?[")
        if count > self.wildcards:
            return f"has more than {self.wildcards} wildcards ({count})"
        return None


def _text_type(annotation: Any) -> bool:
    """``str`` or ``Annotated[str, ...]``."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation is str


@functools.lru_cache(maxsize=256)
def _has_checks(annotation: Any) -> bool:
    """Is there an ``Annotated`` constraint anywhere inside ``annotation``?"""
    if get_origin(annotation) is Annotated:
        return True
    return any(_has_checks(arg) for arg in get_args(annotation))


def constraint_problem(value: Any, annotation: Any) -> str | None:
    """What breaks an ``Annotated`` constraint inside ``annotation``, or None."""
    if not _has_checks(annotation):
        return None
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *checks = get_args(annotation)
        for check in checks:
            problem = check.problem(value) if hasattr(check, "problem") else None
            if problem:
                return problem
        return constraint_problem(value, base)
    if origin in (Union, types.UnionType):
        for option in get_args(annotation):
            if accepts(value, option):
                return constraint_problem(value, option)
        return None
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation) or (Any,)
        if item is str or item is Any:
            return None
        if _text_type(item):  # Annotated[str, ...]: its checks, without a call per item
            checks = [c.problem for c in get_args(item)[1:] if hasattr(c, "problem")]
            for check in checks:
                for index, entry in enumerate(value):
                    problem = check(entry)
                    if problem:
                        return f"item {index} {problem}"
            return None
        for index, entry in enumerate(value):
            problem = constraint_problem(entry, item)
            if problem:
                return f"item {index} {problem}"
    if origin is dict and isinstance(value, dict):
        key_type, item = get_args(annotation) or (Any, Any)
        for key, entry in value.items():
            problem = constraint_problem(key, key_type) or constraint_problem(entry, item)
            if problem:
                return f"entry {shown(key)} {problem}"
    return None


def shown(value: Any, limit: int = 40) -> str:
    """A bounded repr of a client's value, for messages and the log."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}...({len(text)} characters)"


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"holds a string longer than {MAX_TEXT} characters"
    if "\x00" in text:
        return "holds a string with a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a string that is not valid Unicode (a lone surrogate)"
    return None


def _plain_text(text: str) -> bool:
    """The common case, cheaply: short ASCII without NUL (keywords, values, names)."""
    return len(text) <= 256 and text.isascii() and "\x00" not in text


def value_problem(value: Any) -> str | None:
    """What makes a decoded JSON value unfit for any method (too deep, too long a string, a
    NUL, a lone surrogate, a huge integer, a non-finite number), or None. Iterative, so any
    nesting is safe to inspect."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                return f"is nested deeper than {MAX_DEPTH} levels"
            if isinstance(item, dict):
                for key in item:
                    if not _plain_text(key):
                        problem = _text_problem(key)
                        if problem:
                            return problem
                item = item.values()
            for entry in item:
                if isinstance(entry, str):
                    if not _plain_text(entry):
                        problem = _text_problem(entry)
                        if problem:
                            return problem
                else:
                    stack.append((entry, depth + 1))
            continue
        problem = _scalar_problem(item)
        if problem:
            return problem
    return None


def _scalar_problem(item: Any) -> str | None:
    if isinstance(item, str):
        return _text_problem(item)
    if isinstance(item, bool) or item is None:
        return None
    if isinstance(item, int):
        return None if -MAX_INT <= item < MAX_INT else "holds an integer outside the 64-bit range"
    if isinstance(item, float):
        return None if math.isfinite(item) else "holds a number that is not finite"
    return f"holds a value of type {type(item).__name__}"

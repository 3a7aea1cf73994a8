"""Python's own reading of mapping text, the reference the parser tests compare with.

``python_reference`` evaluates a mapping's statements with :mod:`ast` (selector calls recorded
as :class:`Call`); ``canon`` turns either side into a comparable form that keeps types.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from opencrds.rules.parser import SELECTOR_CLASSES, SelectorCall


@dataclass(frozen=True, eq=False)
class Call:
    """An expected selector call: compared with :class:`SelectorCall` by ``canon``."""

    class_name: str
    entries: dict[Any, Any]


def canon(value: Any) -> Any:
    """A comparable form that keeps types (1 vs 1.0 vs True), -0.0, and dict order."""
    if isinstance(value, (SelectorCall, Call)):
        return ("call", value.class_name, canon(value.entries))
    if isinstance(value, dict):
        return ("dict", tuple((canon(k), canon(v)) for k, v in value.items()))
    if isinstance(value, tuple):
        return ("tuple", tuple(canon(v) for v in value))
    if isinstance(value, list):
        return ("list", tuple(canon(v) for v in value))
    if isinstance(value, float):
        return ("float", repr(value))
    if value is None or isinstance(value, (bool, int, str)):
        return (type(value).__name__, value)
    raise TypeError(f"unexpected value {value!r}")


def _python_value(node: ast.AST) -> Any:
    """What Python makes of a mapping right-hand side, selector calls recorded as ``Call``."""
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name) and node.func.id in SELECTOR_CLASSES
        assert len(node.args) == 1 and not node.keywords
        return Call(node.func.id, _python_value(node.args[0]))
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            assert key is not None
            result[ast.literal_eval(key)] = _python_value(value)
        return result
    if isinstance(node, ast.Tuple):
        return tuple(_python_value(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_python_value(e) for e in node.elts]
    return ast.literal_eval(node)


def python_reference(text: str) -> dict[str, Any]:
    """{statement name: value} for a mapping text, as Python parses it."""
    statements: dict[str, Any] = {}
    for stmt in ast.parse(text).body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
        target = stmt.targets[0]
        assert isinstance(target, ast.Name)
        statements[target.id] = _python_value(stmt.value)
    return statements

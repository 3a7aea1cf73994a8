"""Header expressions: ``rmap_relevance``, ``rmap_omit`` and ``parkey_relevance`` (RULES.md §5.6).

Expressions are parsed with :mod:`ast`, checked against a whitelist and compiled into a tree of
closures. Nothing is passed to ``eval``; names are looked up in the header view only.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import CrdsError

Evaluator = Callable[[Mapping[str, Any]], Any]

_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class ExpressionSyntaxError(CrdsError, ValueError):
    """The expression uses something outside the whitelist."""


class UndefinedName(CrdsError, NameError):
    """The expression names a parameter the header does not have (crds's ``NameError``
    message, ``name 'X' is not defined``)."""


class Expression:
    """A compiled, safe header expression; call ``evaluate(view)`` with an expression view."""

    __slots__ = ("source", "_evaluate", "names")

    def __init__(self, source: str, evaluate: Evaluator, names: frozenset[str] = frozenset()
                 ) -> None:
        self.source = source
        self._evaluate = evaluate
        self.names = names  # every name the expression reads

    def evaluate(self, view: Mapping[str, Any]) -> Any:
        return self._evaluate(view)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def prepare_source(text: str, dotted_names: Iterable[str]) -> str:
    """Rewrite each dotted parameter name in ``text`` to its underscore form."""
    for name in sorted((n for n in dotted_names if "." in n), key=len, reverse=True):
        if name in text:
            text = text.replace(name, name.replace(".", "_"))
    return text


def compile_expression(text: str) -> Expression:
    """Parse and compile ``text``; raises ExpressionSyntaxError for anything not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionSyntaxError(f"invalid expression {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionSyntaxError(f"expression {text!r} is too complex") from None
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    try:
        return Expression(text, _compile(tree.body, 0), names)
    except RecursionError:
        raise ExpressionSyntaxError(f"expression {text!r} is too deeply nested") from None


def _compile(node: ast.AST, depth: int) -> Evaluator:
    if depth > 100:
        raise ExpressionSyntaxError("expression is nested more than 100 levels deep")
    if isinstance(node, ast.Constant):
        value = node.value
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise ExpressionSyntaxError(f"constant {value!r} is not allowed in an expression")
        return lambda view: value
    if isinstance(node, ast.Name):
        name = node.id

        def lookup(view: Mapping[str, Any]) -> Any:
            try:
                return view[name]
            except KeyError:
                raise UndefinedName(f"name '{name}' is not defined") from None

        return lookup
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_compile(item, depth + 1) for item in node.elts]
        make = tuple if isinstance(node, ast.Tuple) else list
        return lambda view: make(item(view) for item in items)
    if isinstance(node, ast.Compare):
        return _compile_compare(node, depth)
    if isinstance(node, ast.BoolOp):
        parts = [_compile(value, depth + 1) for value in node.values]
        if isinstance(node.op, ast.And):

            def conjunction(view: Mapping[str, Any]) -> Any:
                result: Any = True
                for part in parts:
                    result = part(view)
                    if not result:
                        return result
                return result

            return conjunction

        def disjunction(view: Mapping[str, Any]) -> Any:
            result: Any = False
            for part in parts:
                result = part(view)
                if result:
                    return result
            return result

        return disjunction
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, depth + 1)
        if isinstance(node.op, ast.Not):
            return lambda view: not operand(view)
        if isinstance(node.op, ast.USub):
            return lambda view: -operand(view)
        raise ExpressionSyntaxError(f"operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.IfExp):
        test, body, orelse = (_compile(n, depth + 1) for n in (node.test, node.body, node.orelse))
        return lambda view: body(view) if test(view) else orelse(view)
    if isinstance(node, ast.Call):
        func = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        raise ExpressionSyntaxError(f"function call '{func}(...)' is not allowed in an expression")
    if isinstance(node, ast.Attribute):
        raise ExpressionSyntaxError(
            f"attribute access '{ast.unparse(node)}' is not allowed in an expression "
            "(only dotted names of the rmap's own parameters are)"
        )
    if isinstance(node, ast.Subscript):
        raise ExpressionSyntaxError(f"subscript '{ast.unparse(node)}' is not allowed")
    if isinstance(node, ast.BinOp):
        raise ExpressionSyntaxError(
            f"arithmetic operator {type(node.op).__name__} is not allowed in an expression"
        )
    raise ExpressionSyntaxError(f"{type(node).__name__} is not allowed in an expression")


def _compile_compare(node: ast.Compare, depth: int) -> Evaluator:
    left = _compile(node.left, depth + 1)
    steps = []
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        function = _COMPARISONS.get(type(op))
        if function is None:
            raise ExpressionSyntaxError(f"comparison {type(op).__name__} is not allowed")
        steps.append((function, _compile(comparator, depth + 1)))
    if (len(steps) == 1 and isinstance(node.left, ast.Name)
            and isinstance(node.comparators[0], ast.Constant)):
        return _name_versus_constant(node.left.id, steps[0][0], node.comparators[0].value)

    def compare(view: Mapping[str, Any]) -> Any:
        a = left(view)
        result: Any = True
        for function, right in steps:
            b = right(view)
            result = function(a, b)
            if not result:
                return result
            a = b
        return result

    return compare


def _name_versus_constant(name: str, function: Callable[[Any, Any], Any],
                          constant: Any) -> Evaluator:
    """The common ``(DETECTOR != "SBC")`` shape, in one closure."""

    def compare(view: Mapping[str, Any]) -> Any:
        try:
            value = view[name]
        except KeyError:
            raise UndefinedName(f"name '{name}' is not defined") from None
        return function(value, constant)

    return compare


def expression_view(header: Mapping[str, Any]) -> dict[str, Any]:
    """The header plus an underscore alias for every dotted key (``META.X.Y`` -> ``META_X_Y``)."""
    view = dict(header)
    for key, value in header.items():
        if isinstance(key, str) and "." in key:
            view[key.replace(".", "_")] = value
    return view

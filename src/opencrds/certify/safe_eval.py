"""Evaluate .tpn expressions safely: parse with :mod:`ast`, walk a whitelist, never ``eval``.

Allowed: literals, names (looked up in a namespace), boolean/comparison/arithmetic operators,
subscripts, tuples/lists/sets, attribute access to non-underscore attributes of values, and
calls of whitelisted functions or of a few string and array methods.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ..rules.errors import CrdsError

#: What an unknown name evaluates to as the argument of a function marked
#: ``accepts_undefined`` (``array_exists``, ``is_defined``).
UNDEFINED = "UNDEFINED"


class ExpressionError(CrdsError):
    """An expression is not allowed or cannot be evaluated."""


#: What evaluating a whitelisted expression over header values may raise: the expression is
#: refused, names an absent keyword (``NameError``), or its values do not suit its operators.
#: Anything else is a bug.
EVALUATION_ERRORS: tuple[type[Exception], ...] = (
    ExpressionError, NameError, LookupError, TypeError, ValueError, AttributeError,
    ArithmeticError)


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
#: Methods callable on values (strings, arrays, tuples).
SAFE_METHODS = frozenset({
    "startswith", "endswith", "upper", "lower", "strip", "split", "count", "index",
    "all", "any", "sum", "min", "max", "mean", "isnan", "isfinite", "isinf",
})
#: Functions of the ``np`` pseudo-module.
SAFE_NUMPY = frozenset({
    "all", "any", "sum", "min", "max", "mean", "isnan", "isfinite", "isinf", "abs", "array",
    "nan", "inf", "where", "logical_and", "logical_or", "logical_not", "unique", "allclose",
    "nanmin", "nanmax", "nansum", "shape", "ndim", "float32", "float64", "int32", "int16",
    "uint8", "uint16", "uint32", "int64",
})
_BUILTINS: dict[str, Any] = {
    "len": len, "abs": abs, "min": min, "max": max, "int": int, "float": float, "str": str,
    "bool": bool, "tuple": tuple, "list": list, "set": set, "sorted": sorted, "all": all,
    "any": any, "sum": sum, "round": round, "True": True, "False": False, "None": None,
}


class _NumpyProxy:
    """The whitelisted part of numpy, reachable as ``np.<name>``."""

    def __getattr__(self, name: str) -> Any:
        import numpy as np

        if name not in SAFE_NUMPY:
            raise ExpressionError(f"np.{name} is not allowed")
        return getattr(np, name)


NUMPY = _NumpyProxy()


def evaluate(text: str, names: Mapping[str, Any],
             functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """The value of expression ``text`` with ``names`` and ``functions`` in scope.

    Unknown names raise :class:`NameError` (so callers can treat them as undefined keywords).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression {text!r}: {exc.msg}") from None
    scope = {**_BUILTINS, "np": NUMPY, "numpy": NUMPY, **(functions or {})}
    return _Evaluator(names, scope).visit(tree.body)


class _Evaluator:
    def __init__(self, names: Mapping[str, Any], scope: Mapping[str, Any]) -> None:
        self.names = names
        self.scope = scope

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions")
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in self.scope:
            return self.scope[node.id]
        raise NameError(node.id)

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node: ast.List) -> Any:
        return [self.visit(e) for e in node.elts]

    def visit_Set(self, node: ast.Set) -> Any:
        return {self.visit(e) for e in node.elts}

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for value in node.values:
            result = self.visit(value)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARY[type(node.op)](self.visit(node.operand))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ExpressionError("operator not allowed")
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 64:
            raise ExpressionError("exponent too large")
        return op(left, right)

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        result: Any = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            result = _COMPARE[type(op)](left, right)
            if not _truth(result):
                return result
            left = right
        return result

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        return self.visit(node.value)[self.visit(node.slice)]

    def visit_Slice(self, node: ast.Slice) -> Any:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if p is None else self.visit(p) for p in parts))

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise ExpressionError(f"attribute {node.attr!r} is not allowed")
        return getattr(self.visit(node.value), node.attr)

    def visit_Call(self, node: ast.Call) -> Any:
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id in ("np", "numpy"):
                target = getattr(NUMPY, func.attr)
            elif func.attr in SAFE_METHODS:
                target = getattr(self.visit(owner), func.attr)
            else:
                raise ExpressionError(f"method {func.attr!r} is not allowed")
        elif isinstance(func, ast.Name) and func.id in self.scope and callable(
                self.scope[func.id]):
            target = self.scope[func.id]
        else:
            raise ExpressionError("only whitelisted functions may be called")
        if getattr(target, "accepts_undefined", False):
            return target(*(self._lenient(arg) for arg in node.args))
        return target(*(self.visit(arg) for arg in node.args))

    def _lenient(self, node: ast.AST) -> Any:
        """An argument of a function that tests definedness: unknown names are UNDEFINED."""
        try:
            return self.visit(node)
        except NameError:
            return UNDEFINED


def _truth(value: Any) -> bool:
    try:
        return bool(value)
    except ValueError:  # numpy arrays
        return bool(value.all())

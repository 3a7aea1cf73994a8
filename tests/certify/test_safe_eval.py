"""The .tpn expression evaluator: whitelisted AST only, never eval."""

from __future__ import annotations

import pytest

from opencrds.certify.safe_eval import ExpressionError, evaluate


@pytest.mark.parametrize(("text", "expected"), [
    ("1<=A+B-1<=2048", True),
    ("(not(('IFU')in(EXP_TYPE)))", True),
    ("META_REFTYPE.startswith('pars-')", False),
    ("EXP_TYPE in ['A', 'B']", False),
    ("len(EXP_TYPE) == 7", True),
    ("np.all(np.array([1, 2]) > 0)", True),
])
def test_evaluates(text: str, expected: object) -> None:
    names = {"A": 1, "B": 10, "EXP_TYPE": "NRC_IMG", "META_REFTYPE": "flat"}
    assert bool(evaluate(text, names)) is expected


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "().__class__.__bases__",
    "open('/etc/passwd')",
    "EXP_TYPE.join(['a'])",
    "lambda: 1",
    "[x for x in (1, 2)]",
    "np.load('x')",
])
def test_rejects_unsafe(text: str) -> None:
    with pytest.raises((ExpressionError, NameError)):
        evaluate(text, {"EXP_TYPE": "X"})


def test_unknown_name_is_name_error() -> None:
    with pytest.raises(NameError):
        evaluate("MISSING == 1", {})

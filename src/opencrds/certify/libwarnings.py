"""Warnings of the libraries that read files (astropy, asdf, stdatamodels) as certify
WARNING messages: ``<Category> : <module> : <message>``, each distinct one once per file."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable

Report = Callable[[str, str], None]


def module_of(filename: str) -> str:
    """The dotted module a warning came from (``.../site-packages/asdf/yamlutil.py`` ->
    ``asdf.yamlutil``)."""
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        path = path.rsplit("site-packages/", 1)[1]
    else:
        path = path.rsplit("/", 1)[-1]
    path = re.sub(r"(/__init__)?\.py$", "", path)
    return path.replace("/", ".")


def warning_message(warning: warnings.WarningMessage) -> str:
    """One library warning as a certify message (on one line)."""
    text = re.sub(r"\s*\n\s*", " ", str(warning.message)).strip()
    return f"{warning.category.__name__} : {module_of(warning.filename)} : {text}"


def report_warnings(caught: Iterable[warnings.WarningMessage], report: Report,
                    seen: set[str] | None = None) -> None:
    """Report each distinct warning of ``caught`` not in ``seen`` (which is updated)."""
    seen = set() if seen is None else seen
    for warning in caught:
        message = warning_message(warning)
        if message not in seen:
            seen.add(message)
            report("WARNING", message)

"""JSON and YAML headers: a mapping document, flattened (see :mod:`.flatten`).

A document whose top level is a list gives an empty header (as in the reference client); any
other non-mapping document is an error. YAML is read with the safe loader, one document only.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import HeaderError
from .flatten import flatten_tree


def _read_text(path: str, kind: str) -> str:
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except FileNotFoundError:
        raise HeaderError(path, "no such file", kind) from None
    except UnicodeDecodeError as exc:
        raise HeaderError(path, f"not UTF-8 text ({exc})", kind) from None
    except OSError as exc:
        raise HeaderError(path, exc.strerror or str(exc), kind) from None


def _header(path: str, document: Any, kind: str) -> dict[str, str]:
    if isinstance(document, dict):
        return flatten_tree(document)
    if isinstance(document, list):
        return {}
    raise HeaderError(path, f"the document is a {type(document).__name__}, not a mapping", kind)


def _yaml_problem(exc: Exception) -> str:
    """``<problem> (line L, column C)`` from a YAML error, without its multi-line context."""
    parts = [getattr(exc, name, None) for name in ("context", "problem")]
    problem = ", ".join(part for part in parts if part)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if not problem:
        return str(exc)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"{problem}{where}"


def read_json_header(path: str, needed: object = None) -> dict[str, str]:
    """The flattened header of a JSON file."""
    text = _read_text(path, "JSON")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise HeaderError(path, str(exc), "JSON") from None
    return _header(path, document, "JSON")


def read_yaml_header(path: str, needed: object = None) -> dict[str, str]:
    """The flattened header of a YAML file."""
    import yaml

    text = _read_text(path, "YAML")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HeaderError(path, _yaml_problem(exc), "YAML") from None
    return _header(path, document, "YAML")

"""What the review (result) page shows of a submission's stored result (SERVER.md §2.2 step
10): certify verdicts with their log lines classed by severity, diffs with their lines classed
as added or removed, and the ReDCaT record with its labels."""

from __future__ import annotations

from typing import Any

from . import redcat

#: A certify verdict -> the CSS class of its accordion.
VERDICT_CLASSES = {"OK": "ok", "WARNINGS": "warnings", "ERRORS": "errors"}


def line_class(line: str) -> str:
    """``log-error``, ``log-warning`` or '' for one certify log line."""
    upper = line.upper()
    if "ERROR" in upper:
        return "log-error"
    if "WARNING" in upper:
        return "log-warning"
    return ""


def certify_entries(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each checked file with ``css`` (its verdict's class) and ``lines`` ((class, text))."""
    out = []
    for item in files:
        status = str(item.get("status", ""))
        out.append({**item, "css": VERDICT_CLASSES.get(status.upper(), "errors"),
                    "lines": [(line_class(str(line)), str(line)) for line in item.get("log", [])]})
    return out


def diff_line_class(line: str) -> str:
    """``add``, ``del`` or ``hunk`` for a line of a unified diff ('' for context)."""
    if line.startswith(("+++", "---")):
        return ""
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "del"
    if line.startswith("@@"):
        return "hunk"
    return ""


def diff_entries(diffs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each mapping diff with ``lines`` ((class, text)) of its text diff."""
    return [{**diff, "lines": [(diff_line_class(line), line)
                               for line in str(diff.get("text", "")).splitlines()]}
            for diff in diffs]


def redcat_rows(values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The ReDCaT answers as (key, label, value), in the form's order; unknown keys last."""
    labels = {f.key: f.label for f in redcat.FIELDS}
    rows = [(key, labels[key], values[key]) for key in labels if key in values]
    rows += [(key, key, value) for key, value in values.items() if key not in labels]
    return rows

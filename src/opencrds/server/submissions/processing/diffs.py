"""File differences of a submission (SERVER.md §2.2 "Computing file differences."): for each
generated mapping, the logical differences from the mapping it was derived from
(:func:`opencrds.rules.diff.logical_diffs`), the generation's actions and a unified text diff."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from opencrds.rules.diff import logical_diffs
from opencrds.rules.parser import parse_mapping_text

from .collisions import derived_from
from .generate import action_dict
from .work import Work


def text_diff(old_name: str, old: str, new_name: str, new: str) -> str:
    """A unified diff of two texts."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), old_name, new_name))


def compute_diffs(work: Work, read_mapping: Callable[[str], str], progress) -> list[dict[str, Any]]:  # noqa: ANN001
    """One entry per generated mapping that has a parent: old, new, actions, logical
    differences and text."""
    actions = {change.new: [action_dict(a) for a in change.actions] for change in work.changes}
    parsed: dict[str, Any] = {}

    def load(name: str):  # noqa: ANN202
        if name not in parsed:
            text = work.generated.get(name)
            parsed[name] = parse_mapping_text(text if text is not None else read_mapping(name),
                                              name)
        return parsed[name]

    out = []
    for new, text in work.generated.items():
        old = derived_from(text)
        if not old or old == new or old.lower() == "none":
            continue
        progress.log(f"Differencing {old!r} vs. {new!r}")
        try:
            old_text = read_mapping(old)
        except (OSError, ValueError, KeyError):
            continue
        entry: dict[str, Any] = {"old": old, "new": new, "actions": actions.get(new, []),
                                 "text": text_diff(old, old_text, new, text)}
        try:
            entry["logical"] = [_difference_text(d) for d in logical_diffs(old, new, load)]
        except Exception as exc:  # noqa: BLE001 - a diff that cannot be computed is shown so
            entry["logical"] = [f"logical differences unavailable: {exc}"]
        out.append(entry)
    return out


def _difference_text(difference: tuple[Any, ...]) -> str:
    """A difference as ``crds diff`` prints it (the tuple)."""
    return str(difference)

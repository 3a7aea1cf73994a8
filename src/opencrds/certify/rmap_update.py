"""Trial insertion of new references into the comparison context's rmaps (TOOLS.md §2.3).

As crds does without ``-z``: each reference certified is placed, by its header, into the
rmap of its type in the comparison context. A match value the type's ``_ld.tpn`` constraints
do not allow makes the insertion fail. The insertion also tells which reference a new table
replaces, the one its modes are compared with.
"""

from __future__ import annotations

import pprint
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..rules.edit import RefactorError, insert_reference
from ..rules.errors import CrdsError
from ..rules.mappings import ReferenceMapping
from ..rules.parser import ParsedMapping
from ..rules.timestamps import reformat_date
from ..rules.values import condition_value

_ALWAYS_ALLOWED = ("*", "N/A", "ANY")


class InsertError(CrdsError, ValueError):
    """A reference cannot be inserted into an rmap."""


@dataclass(frozen=True)
class Insertion:
    """An rmap with a reference inserted, and the reference it replaces (the one a new
    table's modes are compared with, as in crds)."""

    parsed: ParsedMapping
    replaced: str | None


def insertion_header(header: Mapping[str, str], useafter_keyword: str) -> dict[str, str]:
    """The header a reference is placed by: upper-case keys, its USEAFTER under ``USEAFTER``."""
    result = {str(k).upper(): v for k, v in header.items()}
    useafter = result.get(useafter_keyword.upper(), "UNDEFINED")
    if useafter != "UNDEFINED":
        result["USEAFTER"] = useafter
    return result


def shown_values(values: tuple[str, ...]) -> tuple[str, ...]:
    """Allowed values as crds shows them (``ANY`` as ``*``)."""
    return tuple("*" if v == "ANY" else v for v in values)


def check_match_values(rmap: ReferenceMapping, header: Mapping[str, str],
                       valid: Mapping[str, tuple[str, tuple[str, ...]]]) -> None:
    """The reference's Match parameters must have values the ``_ld.tpn`` allows."""
    from .mappings import allowed_value, parameter_display

    show = parameter_display(rmap)
    for level in rmap.parkey:
        for param in level:
            entry = valid.get(str(param).upper())
            if entry is None:
                continue
            code, values = entry
            value = condition_value(header.get(str(param).upper(), "UNDEFINED"))
            for part in value.split("|"):
                part = part.strip()
                if part in _ALWAYS_ALLOWED or allowed_value(code, part, values):
                    continue
                raise InsertError(f"parameter={show(str(param))!r} value={part!r} is not in "
                                  f"{shown_values(values)!r}")


def substituted(header: Mapping[str, str], substitutions: Mapping[str, Any]) -> dict[str, str]:
    """``header`` with the instrument's value substitutions applied (``substitutions.dat``:
    ``{PARAMETER: {condition: value}}``, e.g. ACS ``CCDAMP`` ``ABCDALL`` -> ``A|ABCD|B|C|D``)."""
    from .constraints import build_namespace
    from .safe_eval import EVALUATION_ERRORS, evaluate

    result = dict(header)
    names = build_namespace(header, {})
    try:  # a reference's USEAFTER stands for the dataset date the conditions test
        names["DATE_OBS"], _, names["TIME_OBS"] = reformat_date(
            str(header.get("USEAFTER", ""))).partition(" ")
    except ValueError:
        pass
    for param, rules in substitutions.items():
        if not isinstance(rules, Mapping):
            continue
        for condition, value in rules.items():
            try:
                if evaluate(str(condition), names, {}) is True:
                    result[str(param).upper()] = str(value)
                    break
            except EVALUATION_ERRORS:  # e.g. a condition over absent keywords
                continue
    return result


def trial_insert(rmap: ReferenceMapping, name: str, header: Mapping[str, str],
                 valid: Mapping[str, tuple[str, tuple[str, ...]]],
                 substitutions: Mapping[str, Any] | None = None) -> Insertion:
    """Insert reference ``name`` into ``rmap`` by ``header`` (see :func:`insertion_header`;
    placed as ``refactor insert`` and deliveries place it,
    :func:`opencrds.generation.placement.placement_header`, with the instrument's
    ``substitutions``); :class:`InsertError` saying why it cannot be."""
    from ..generation.placement import placement_header  # generation builds on certify

    header = placement_header(rmap, header, substitutions=substitutions or {})
    try:
        check_match_values(rmap, header, valid)
        parsed, replaced = insert_reference(rmap.parsed, name, header, bare_single_keys=True)
    except RefactorError as exc:
        raise InsertError(str(exc)) from None
    return Insertion(parsed, replaced)


def failure_message(name: str, rmap: ReferenceMapping, header: Mapping[str, str],
                    problem: str) -> str:
    """The message of a failed insertion (the header, then why)."""
    shown = {k: v for k, v in sorted(header.items()) if v != "UNDEFINED"}
    return (f": Failed inserting {name!r} into rmap: {rmap.basename!r} with header:\n"
            f"{pprint.pformat(shown)}\n\nparkey: {str(tuple(rmap.parkey))!r}\n"
            f" :  {problem}")

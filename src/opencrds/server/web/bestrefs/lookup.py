"""Best references of one dataset header under one or two contexts, as the pages show them.

The answer is computed by the same library call the ``get_best_references`` RPC makes
(:func:`opencrds.get_best_references` on a context loaded through the catalog), so the page
and the RPC never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import opencrds
from opencrds.rules.conditioning import conditioned_header
from opencrds.rules.errors import CrdsError
from opencrds.rules.mappings import PipelineContext

from ...catalog import contexts

#: What a lookup can fail with: rules errors, and catalog errors (an unknown or unloadable
#: context), which are rules errors too.
LOOKUP_FAILURES = (CrdsError,)


@dataclass(frozen=True)
class Answer:
    """One type's result under one context: ``status`` is ``ok``, ``na`` or ``notfound``."""

    text: str
    status: str
    files: tuple[str, ...] = ()


@dataclass
class Row:
    """One reference type: its answer under the context, and under the second one if any."""

    reftype: str
    first: Answer
    second: Answer | None = None

    @property
    def changed(self) -> bool:
        return self.second is not None and self.second.text != self.first.text

    @property
    def all_na(self) -> bool:
        """N/A under every context shown (the rows "Hide N/A" hides)."""
        return self.first.status == "na" and (self.second is None or self.second.status == "na")


@dataclass
class Result:
    """The best references of one dataset: its input parameters and one row per type."""

    dataset: str
    context: str
    second_context: str = ""
    parameters: list[tuple[str, str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    raw_second: dict[str, Any] | None = None

    @property
    def changed_count(self) -> int:
        return sum(row.changed for row in self.rows)

    def as_json(self) -> dict[str, Any]:
        """The machine-readable form (``?format=json``)."""
        data: dict[str, Any] = {"dataset": self.dataset, "context": self.context,
                                "parameters": dict(self.parameters),
                                "bestrefs": _plain(self.raw)}
        if self.second_context:
            data["second_context"] = self.second_context
            data["bestrefs_2"] = _plain(self.raw_second or {})
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value if isinstance(value, str) else str(value)


def answer(value: Any) -> Answer:
    """How one raw result reads: a file, ``N/A`` or ``NOT FOUND <why>``."""
    if isinstance(value, str):
        if value.upper().startswith("NOT FOUND"):
            if value[len("NOT FOUND"):].strip().upper() == "N/A":
                return Answer("N/A", "na")
            return Answer(value, "notfound")
        if value.upper() == "N/A":
            return Answer("N/A", "na")
        return Answer(value, "ok", (value,))
    if isinstance(value, (tuple, list)):
        files = tuple(str(v) for v in value)
        return Answer(", ".join(files), "ok", files)
    if isinstance(value, dict):
        files = tuple(str(v) for v in value.values() if isinstance(v, str))
        return Answer(", ".join(f"{k}: {v}" for k, v in value.items()), "ok", files)
    # CRDS's mixed-tie defect can leak a selector into a result: the RPC refuses it, so do we
    return Answer(f"NOT FOUND ambiguous rules: equal-weight matches select {value!r}",
                  "notfound")


def load_context(name: str) -> PipelineContext:
    """The pmap ``name`` of the catalog (a catalog error if it is not one)."""
    return contexts.load_pipeline(name)


def input_parameters(pmap: PipelineContext, header: Mapping[str, Any]) -> dict[str, str]:
    """The matching parameters the lookup uses (missing ones ``UNDEFINED``)."""
    return conditioned_header(pmap, header)


def best_references(dataset: str, header: Mapping[str, Any], context: str,
                    second: str = "") -> Result:
    """The :class:`Result` of ``header`` under ``context`` (and ``second``); raises one of
    :data:`LOOKUP_FAILURES` with a message for the page when the lookup cannot run."""
    pmap = load_context(context)
    parameters = input_parameters(pmap, header)
    raw = opencrds.get_best_references(pmap, header)
    result = Result(dataset, context, raw=raw)
    raw_second: dict[str, Any] | None = None
    if second:
        other = load_context(second)
        parameters = {**input_parameters(other, header), **parameters}
        raw_second = opencrds.get_best_references(other, header)
        result.second_context, result.raw_second = second, raw_second
    result.parameters = sorted(parameters.items())
    for reftype in sorted(set(raw) | set(raw_second or {})):
        first = answer(raw[reftype]) if reftype in raw else Answer("(omitted)", "na")
        row = Row(reftype, first)
        if raw_second is not None:
            row.second = (answer(raw_second[reftype]) if reftype in raw_second
                          else Answer("(omitted)", "na"))
        result.rows.append(row)
    return result

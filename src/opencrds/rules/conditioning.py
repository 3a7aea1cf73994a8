"""Conditioned best-reference lookup (layer C of RULES.md §0).

The dataset header is translated to rule parameter names, reduced to the instrument's
required parameters (missing ones become ``UNDEFINED``), normalized, and then matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .mappings import PipelineContext, reduce_header
from .values import condition_value


def conditioned_header(context: PipelineContext, header: Mapping[str, Any]) -> dict[str, Any]:
    """The header a conditioned lookup matches with: translated, reduced and normalized."""
    conventions = context.conventions
    translated = conventions.condition_lookup_header(conventions.translate_keys(header))
    instrument = context.get_instrument(translated)
    parkeys = context.required_parkeys_for(instrument)
    reduced = reduce_header(translated, parkeys)
    return {key.upper(): condition_value(value) for key, value in reduced.items()}


def get_best_references(context: PipelineContext, header: Mapping[str, Any],
                        include: Iterable[str] | None = None) -> dict[str, Any]:
    """Best references for a dataset header as a pipeline would give it (layer C)."""
    return context.get_best_references(conditioned_header(context, header), include)

"""Where a reference goes in an rmap: the one placement of ``refactor insert`` and deliveries.

As ``crds refactor insert`` places a reference (SERVER.md §2.2 step 5): the header's JWST/Roman
pattern keywords (``P_DETECT = NRCA1|NRCA4|``) stand for their dataset keywords; the
instrument's hidden substitutions (HST ``substitutions.dat``: ACS ``CCDAMP = ABCDALL`` ->
``A|ABCD|B|C|D``) expand special values; values are conditioned, parameters the rmap's
``parkey_relevance`` makes irrelevant become ``N/A``, as do the rmap's ``extra_keys`` (computed
for datasets), or-globs are sorted, and an or-glob written in another order in the rmap reuses
that row. The Match values must be ones the type's ``_ld.tpn`` allows
(:mod:`.values`). A new one-parameter match key is written bare, as crds writes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..certify.context import CertifyOptions, definition_for
from ..certify.rmap_update import substituted
from ..rules.edit import RefactorError, insert_reference, reference_path
from ..rules.mappings import ReferenceMapping
from ..rules.parser import ParsedMapping, SelectorCall
from ..rules.values import condition_header, condition_value
from .values import check_values


@dataclasses.dataclass(frozen=True)
class Placement:
    """An rmap with one reference placed: the new mapping, the reference it replaced (None if
    the slot was new) and the selector keys of its slot, one per level."""

    parsed: ParsedMapping
    replaced: str | None
    path: tuple[Any, ...]


def placement_header(rmap: ReferenceMapping, header: Mapping[str, Any],
                     parsed: ParsedMapping | None = None,
                     options: CertifyOptions | None = None,
                     substitutions: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The header ``rmap`` places a reference with ``header`` by (USEAFTER keywords kept).

    ``parsed`` is the rmap as edited so far (its rows are reused for or-globs; default the
    rmap's own); ``options`` tells where the observatory definitions are; ``substitutions``
    (``{PARAMETER: {condition: value}}``) replaces the instrument's from the definitions.
    """
    raw = {str(k).upper(): str(v) for k, v in header.items()}
    if rmap.observatory.lower() in ("jwst", "roman"):
        from ..certify.jwst_core import translate_patterns

        raw, _ = translate_patterns(raw)
    definition = definition_for(rmap.observatory, options or CertifyOptions())
    if definition is not None:
        useafter = raw.get(definition.useafter_keyword.upper(), "UNDEFINED")
        if useafter != "UNDEFINED":
            raw.setdefault("USEAFTER", useafter)
    if substitutions is None and definition is not None:
        substitutions = definition.substitutions.get(rmap.instrument.lower(), {})
    raw = substituted(raw, substitutions or {})
    matching = {k: sorted_glob(v) for k, v in rmap.matching_header(condition_header(raw)).items()}
    extra = rmap.parsed.header.get("extra_keys") or ()
    for key in (extra if isinstance(extra, tuple) else (extra,)):
        matching[str(key).upper()] = "N/A"  # computed for datasets, never a reference's own
    matching.update({k: v for k, v in raw.items() if "USEAFTER" in k})
    return existing_globs(parsed or rmap.parsed, rmap, matching)


def sorted_glob(value: str) -> str:
    """An or-glob's alternatives sorted, blank ones dropped (``B | A |`` -> ``A|B``), as crds
    writes a new row; other values unchanged."""
    if "|" not in value:
        return value
    return "|".join(sorted(part.strip() for part in value.split("|") if part.strip()))


def existing_globs(parsed: ParsedMapping, rmap: ReferenceMapping,
                   header: dict[str, str]) -> dict[str, str]:
    """``header`` with its Match values written as in the row of ``parsed`` that has the same
    values, or-globs compared as sets (``B|A`` is ``A|B``), so the reference joins that row."""
    selector = parsed.selector
    if not isinstance(selector, SelectorCall) or selector.class_name != "Match":
        return header
    params = [str(p).upper() for p in (rmap.parkey[0] if rmap.parkey else ())]
    wanted = tuple(_glob_set(header.get(p, "UNDEFINED")) for p in params)
    for key in selector.entries:
        fields = key if isinstance(key, tuple) else (key,)
        if len(fields) == len(params) and tuple(_glob_set(f) for f in fields) == wanted:
            return {**header, **{p: str(f) for p, f in zip(params, fields, strict=True)}}
    return header


def _glob_set(value: Any) -> tuple[str, ...]:
    """A value's alternatives, conditioned and sorted (one for a plain value)."""
    text = condition_value(value)
    return tuple(sorted(p.strip() for p in text.split("|") if p.strip())) if "|" in text \
        else (text,)


def place_reference(parsed: ParsedMapping, rmap: ReferenceMapping, name: str,
                    header: Mapping[str, Any], *, replace_only: bool = False,
                    options: CertifyOptions | None = None) -> Placement:
    """Place reference ``name`` (a basename) with ``header`` in ``parsed`` (the rmap ``rmap``
    as edited so far).

    Raises :class:`.values.ValueRefused` (crds's message) for a Match value the type does not
    allow, :class:`RefactorError` when it has no place (no USEAFTER, a nested selector there,
    nothing to replace with ``replace_only``).
    """
    placed = placement_header(rmap, header, parsed, options)
    check_values(rmap, name, placed, options)
    path = tuple(reference_path(parsed, placed, bare_single_keys=True))
    new, replaced = insert_reference(parsed, name, placed, replace_only=replace_only,
                                     bare_single_keys=True)
    return Placement(new, replaced, path)


__all__ = ["Placement", "RefactorError", "existing_globs", "place_reference",
           "placement_header"]

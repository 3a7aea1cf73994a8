"""Match paths: the criteria under which a context selects a reference (TOOLS.md §2.11).

A *match path* is a tuple of levels. The first level names the rmap,
``(('observatory', obs), ('instrument', instr), ('filekind', kind))`` in lower case; each
further level is one selector of the rmap's nesting (``Match``, then e.g. ``UseAfter``) as
``((PARAMETER, 'key value'), ...)``. Keys are the rmap text's own keys as strings (no
substitution or normalization); a date key of a selector with several parameters is split on
whitespace over them (``DATE-OBS='1992-01-01' TIME-OBS='00:00:00'``). Paths are sorted.

Only plain string terminals count: a reference inside a tuple or dict value is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import CrdsError
from .mappings import BaseMapping, InstrumentContext, PipelineContext, ReferenceMapping
from .matching import NA_VALUES, OMIT_VALUES
from .parser import SelectorCall

Level = tuple[tuple[str, str], ...]
MatchPath = tuple[Level, ...]


class FilterError(CrdsError):
    """A ``KEY=VALUE`` filter is malformed."""


def rmap_header_level(rmap: ReferenceMapping) -> Level:
    """The first level of every path through ``rmap``."""
    return (("observatory", rmap.observatory), ("instrument", rmap.instrument),
            ("filekind", rmap.filekind))


def _level(call: SelectorCall, parameters: tuple[str, ...], key: Any) -> Level:
    if call.class_name == "Match":
        fields = key if isinstance(key, tuple) else (key,)
        return tuple((name, str(field)) for name, field in zip(parameters, fields, strict=False))
    text = str(key)
    if len(parameters) == 1:
        return ((parameters[0], text),)
    return tuple(zip(parameters, text.split(), strict=False))


def _sort_key(call: SelectorCall, key: Any) -> tuple[str, ...]:
    fields = key if call.class_name == "Match" and isinstance(key, tuple) else (key,)
    return tuple(str(field) for field in fields)


def _walk(call: SelectorCall, parkey: tuple[tuple[str, ...], ...], depth: int,
          levels: tuple[Level, ...]) -> Iterator[tuple[str, tuple[Level, ...]]]:
    """(terminal name, levels leading to it) for every string terminal below ``call``."""
    parameters = tuple(parkey[depth]) if depth < len(parkey) else ()
    for key, value in sorted(call.entries.items(), key=lambda kv: _sort_key(call, kv[0])):
        here = (*levels, _level(call, parameters, key))
        if isinstance(value, SelectorCall):
            yield from _walk(value, parkey, depth + 1, here)
        elif isinstance(value, str) and value not in NA_VALUES and value not in OMIT_VALUES:
            yield value, here


def rmap_paths(rmap: ReferenceMapping) -> dict[str, list[MatchPath]]:
    """``{reference: [match path, ...]}`` for every reference ``rmap`` names as a plain value."""
    cached = rmap.__dict__.get("_match_paths")
    if cached is not None:
        return cached
    selector = rmap.parsed.selector
    header = rmap_header_level(rmap)
    result: dict[str, list[MatchPath]] = {}
    if isinstance(selector, SelectorCall):
        for name, levels in _walk(selector, tuple(rmap.parkey), 0, ()):
            result.setdefault(name, []).append((header, *levels))
    rmap.__dict__["_match_paths"] = result
    return result


def _rmaps(mapping: BaseMapping) -> Iterator[ReferenceMapping]:
    if isinstance(mapping, ReferenceMapping):
        yield mapping
    elif isinstance(mapping, (PipelineContext, InstrumentContext)):
        for child in mapping.children():
            yield from _rmaps(child)


def find_match_paths(mapping: BaseMapping, reference: str) -> list[MatchPath]:
    """The sorted match paths under which ``mapping`` (.pmap, .imap or .rmap) selects
    ``reference`` (a bare name); ``[]`` when no rule names it."""
    paths: list[MatchPath] = []
    for rmap in _rmaps(mapping):
        if reference in rmap.reference_name_set():
            paths.extend(rmap_paths(rmap).get(reference, ()))
    return sorted(paths)


def all_match_paths(mapping: BaseMapping) -> dict[str, list[MatchPath]]:
    """``{reference: sorted match paths}`` for every reference of ``mapping``."""
    result: dict[str, list[MatchPath]] = {}
    for rmap in _rmaps(mapping):
        for name, paths in rmap_paths(rmap).items():
            result.setdefault(name, []).extend(paths)
    return {name: sorted(paths) for name, paths in sorted(result.items())}


def path_as_dict(path: MatchPath) -> dict[str, str]:
    """One match path flattened to ``{name: value}`` (header names stay lower case)."""
    return {name: value for level in path for name, value in level}


def parse_filters(words: Iterable[str]) -> list[tuple[str, str]]:
    """``KEY=VALUE`` words as ``(KEY, VALUE)`` pairs, both stripped and upper-cased."""
    filters = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key.strip() or "=" in value:
            raise FilterError(f"Invalid filter {word!r}: use KEY=VALUE")
        filters.append((key.strip().upper(), value.strip().upper()))
    return filters


def passes_filters(path: MatchPath, filters: Iterable[tuple[str, str]]) -> bool:
    """Whether every filter whose KEY is a parameter of ``path`` names one of that parameter's
    ``|`` alternatives; filters on parameters the path lacks are ignored."""
    values = {name.upper(): value for level in path[1:] for name, value in level}
    for key, wanted in filters:
        if key in values and wanted not in values[key].split("|"):
            return False
    return True


def filter_paths(paths: Iterable[MatchPath],
                 filters: Iterable[tuple[str, str]]) -> list[MatchPath]:
    """The paths that pass every filter (all of them when there are no filters)."""
    filters = list(filters)
    return [p for p in paths if passes_filters(p, filters)] if filters else list(paths)


def dataset_parameters(context: BaseMapping, header: Mapping[str, Any], *,
                       minimize: bool = False, condition: bool = False) -> dict[str, Any]:
    """A dataset header as ``matches --datasets`` shows it: sorted, optionally reduced to the
    context's matching parameters (missing ones ``UNDEFINED``) and value-conditioned."""
    from .mappings import reduce_header
    from .values import condition_value

    result: dict[str, Any] = dict(header)
    if minimize:
        parkeys = _required_parkeys(context, result)
        if parkeys is not None:
            result = reduce_header(result, parkeys)
    if condition:
        result = {key: condition_value(value) for key, value in result.items()}
    return dict(sorted(result.items()))


def _required_parkeys(context: BaseMapping, header: Mapping[str, Any]) -> list[str] | None:
    if isinstance(context, PipelineContext):
        try:
            return context.required_parkeys_for(context.get_instrument(header))
        except CrdsError:
            return None
    if isinstance(context, (InstrumentContext, ReferenceMapping)):
        return context.get_required_parkeys()
    return None

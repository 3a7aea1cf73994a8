"""Pipeline (.pmap), instrument (.imap) and reference (.rmap) mappings, and best-reference
selection through them (RULES.md §2 and §5).

``get_best_references(header, include)`` on any mapping uses the header exactly as given
(layer M). Results are ``{lower-case type: filename | tuple | dict | "NOT FOUND <why>"}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .conventions import Conventions
from .errors import (
    CHILD_LOAD_ERRORS,
    LOOKUP_ERRORS,
    MappingError,
    MissingInstrumentError,
    NotApplicable,
    Omitted,
    UnknownInstrumentError,
    UnknownReftypeError,
)
from .expressions import Expression, ExpressionSyntaxError, compile_expression, expression_view
from .expressions import prepare_source as _prepare_source
from .matching import NA_VALUES, OMIT_VALUES
from .parser import ParsedMapping, SelectorCall
from .selectors import Selector, SelectorCompiler

log = logging.getLogger("opencrds.rules")

NOT_FOUND_NA = "NOT FOUND n/a"


class _Marker:
    """A named outcome of :meth:`ReferenceMapping.select`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NOT_APPLICABLE = _Marker("NOT_APPLICABLE")
OMITTED = _Marker("OMITTED")

REQUIRED_HEADER_KEYS = {
    "pipeline": ("mapping", "parkey", "name", "derived_from", "observatory"),
    "instrument": ("mapping", "parkey", "name", "derived_from", "observatory", "instrument"),
    "reference": ("mapping", "parkey", "name", "derived_from", "observatory", "instrument",
                  "filekind"),
}
_KIND_BY_EXTENSION = {".pmap": "pipeline", ".imap": "instrument", ".rmap": "reference"}
_KIND_BY_HEADER = {"pipeline": "pipeline", "instrument": "instrument", "reference": "reference"}
_INSTRUMENT_KEYS = (
    "INSTRUME",
    "META.INSTRUMENT.NAME",
    "META_INSTRUMENT_NAME",
    "INSTRUMENT",
    "ROMAN.META.INSTRUMENT.NAME",
    "META.INSTRUMENT.TYPE",
    "META_INSTRUMENT_TYPE",
)

ChildLoader = Callable[[str], "BaseMapping"]


def _read_back(value: Any) -> Any:
    """Header strings read back lower-cased, except ``(...)`` expressions (RULES.md §1.3)."""
    if isinstance(value, str) and not (value.startswith("(") and value.endswith(")")):
        return value.lower()
    return value


class _Overlay(Mapping[str, Any]):
    """Read-only view: ``extra`` over ``base``, with underscore aliases of dotted keys."""

    __slots__ = ("extra", "base")

    def __init__(self, extra: dict[str, Any], base: Mapping[str, Any]) -> None:
        self.extra = extra
        self.base = base

    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        if key in self.base:
            return self.base[key]
        for source in (self.extra, self.base):  # META_X_Y may name META.X.Y
            for name in source:
                if "." in name and name.replace(".", "_") == key:
                    return source[name]
        raise KeyError(key)

    def __iter__(self):  # pragma: no cover - not used by expressions
        return iter({**self.base, **self.extra})

    def __len__(self) -> int:  # pragma: no cover - not used by expressions
        return len({**self.base, **self.extra})


def reduce_header(header: Mapping[str, Any], parkeys: Iterable[str]) -> dict[str, Any]:
    """``{K: header[k] | header[K] | 'UNDEFINED'}`` for each parameter K (lower case first)."""
    reduced = {}
    for key in parkeys:
        lower, upper = key.lower(), key.upper()
        if lower in header:
            reduced[key] = header[lower]
        elif upper in header:
            reduced[key] = header[upper]
        else:
            reduced[key] = "UNDEFINED"
    return reduced


def kind_of_mapping(name: str, header: Mapping[str, Any]) -> str:
    """'pipeline', 'instrument' or 'reference', from the extension or else the header."""
    for extension, kind in _KIND_BY_EXTENSION.items():
        if name.endswith(extension):
            return kind
    kind = _KIND_BY_HEADER.get(str(header.get("mapping", "")).lower())
    if kind is None:
        raise MappingError("cannot tell the mapping kind from its name or 'mapping' header", name)
    return kind


class BaseMapping:
    """What all three mapping kinds share: name, header, comment and the parsed text."""

    kind = "mapping"

    def __init__(self, name: str, parsed: ParsedMapping, conventions: Conventions) -> None:
        self.name = name
        self.parsed = parsed
        self.raw_header: dict[str, Any] = parsed.header
        self.header: dict[str, Any] = {k: _read_back(v) for k, v in parsed.header.items()}
        self.comment = parsed.comment
        self.conventions = conventions
        for key in REQUIRED_HEADER_KEYS[self.kind]:
            if key not in self.header:
                raise MappingError(f"Required header key '{key}' is missing.", name)
        self.observatory: str = str(self.header["observatory"]).lower()
        parkey = parsed.header["parkey"]
        if not isinstance(parkey, tuple):
            raise MappingError("header 'parkey' must be a tuple", name)
        self.parkey: tuple[Any, ...] = parkey

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class _ContextMapping(BaseMapping):
    """A pmap or imap: a dict selector naming child mappings, loaded on first use."""

    child_kind = "mapping"

    def __init__(self, name: str, parsed: ParsedMapping, conventions: Conventions,
                 load_child: ChildLoader) -> None:
        super().__init__(name, parsed, conventions)
        if not isinstance(parsed.selector, dict):
            raise MappingError("the selector of a .pmap or .imap must be a dictionary", name)
        for key, value in parsed.selector.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise MappingError(
                    f"selector entry {key!r} : {value!r} must map a name to a file name", name)
        self.selector: dict[str, str] = parsed.selector
        self._by_lower = {key.lower(): value for key, value in parsed.selector.items()}
        self._load_child = load_child

    def child_name(self, key: str) -> str | None:
        return self._by_lower.get(key.lower())

    def is_special(self, value: str) -> bool:
        return value in NA_VALUES or value in OMIT_VALUES

    def child(self, key: str) -> Any:
        """The loaded child mapping for ``key`` (instrument or type)."""
        value = self.child_name(key)
        if value is None:
            raise KeyError(key)
        return self._load_child(value)

    def children(self) -> list[Any]:
        return [self._load_child(v) for v in self.selector.values() if not self.is_special(v)]

    def mapping_names(self) -> list[str]:
        """Names of this mapping and every mapping below it, sorted."""
        names = {self.basename}
        for child in self.children():
            names.update(child.mapping_names())
        return sorted(names)

    def reference_names(self) -> list[str]:
        """Every reference file named below this mapping, sorted."""
        return sorted(self.reference_name_set())

    def reference_name_set(self) -> frozenset[str]:
        """The set of :meth:`reference_names`, from the (cached) sets of the rmaps below."""
        return frozenset().union(*(c.reference_name_set() for c in self.children()))


class PipelineContext(_ContextMapping):
    """A .pmap: instrument -> .imap."""

    kind = "pipeline"

    def instrument_key(self) -> str:
        return str(self.parkey[0]) if self.parkey else "INSTRUME"

    def get_instrument(self, header: Mapping[str, Any]) -> str:
        """The instrument named by ``header``, lower-case (RULES.md §5.1)."""
        key = self.instrument_key()
        for candidate in (key.upper(), key.lower(), *_INSTRUMENT_KEYS):
            if candidate in header:
                value = header[candidate]
                text = str(value).upper()
                if text != "UNDEFINED":
                    return text.lower()
        raise MissingInstrumentError(
            f"Missing '{key}' keyword in header for determining instrument."
        )

    def get_imap(self, instrument: str) -> InstrumentContext:
        instrument = instrument.lower()
        instrument = self.conventions.instrument_aliases.get(instrument, instrument)
        name = self.child_name(instrument)
        if name is None or self.is_special(name):
            raise UnknownInstrumentError(
                f"Unknown instrument '{instrument}' for context '{self.basename}'"
            )
        return self._load_child(name)

    def get_best_references(self, header: Mapping[str, Any],
                            include: Iterable[str] | None = None) -> dict[str, Any]:
        """Best references for a dataset header used exactly as given."""
        imap = self.get_imap(self.get_instrument(header))
        return imap.get_best_references(dict(header), include)

    def required_parkeys_for(self, instrument: str) -> list[str]:
        """The instrument key plus the required parameters of ``instrument``'s imap."""
        cache = self.__dict__.setdefault("_parkeys_by_instrument", {})
        parkeys = cache.get(instrument)
        if parkeys is None:
            imap = self.get_imap(instrument)
            parkeys = cache[instrument] = [*map(str, self.parkey), *imap.get_required_parkeys()]
        return parkeys

    def get_required_parkeys(self) -> dict[str, list[str]]:
        """``{instrument: [instrument key] + the imap's required parameters}``."""
        result = {}
        for instrument, name in sorted(self.selector.items()):
            if self.is_special(name):
                continue
            imap = self._load_child(name)
            result[instrument.lower()] = [*map(str, self.parkey), *imap.get_required_parkeys()]
        return result


class InstrumentContext(_ContextMapping):
    """An .imap: reference type -> .rmap."""

    kind = "instrument"

    @property
    def instrument(self) -> str:
        return str(self.header["instrument"]).lower()

    def mapping_names(self) -> list[str]:
        """This imap and the rmaps it names (the rmaps need not be loaded)."""
        names = {self.basename}
        names.update(v for v in self.selector.values() if not self.is_special(v))
        return sorted(names)

    def get_rmap(self, filekind: str) -> ReferenceMapping:
        name = self.child_name(filekind)
        if name is None:
            raise UnknownReftypeError(f"Unknown reference type '{filekind.lower()}'")
        return self._load_child(name)

    def types(self) -> list[str]:
        """The reference types of this imap, lower-case, in file order."""
        return list(self._by_lower)

    def get_best_references(self, header: Mapping[str, Any],
                            include: Iterable[str] | None = None) -> dict[str, Any]:
        """Best references of every type (or of ``include``) for ``header``."""
        types = [t.lower() for t in include] if include else self.types()
        results: dict[str, Any] = {}
        view = expression_view(header)
        rmaps = self.__dict__.setdefault("_rmaps", {})
        for filekind in types:
            rmap = rmaps.get(filekind)
            if rmap is None:
                value = self._by_lower.get(filekind)
                if value is None:
                    results[filekind] = f"NOT FOUND Unknown reference type '{filekind}'"
                    continue
                if value in NA_VALUES:
                    results[filekind] = NOT_FOUND_NA
                    continue
                if value in OMIT_VALUES:
                    continue
                try:
                    rmap = rmaps[filekind] = self._load_child(value)
                except CHILD_LOAD_ERRORS as exc:  # e.g. a checksum failure: only this type fails
                    results[filekind] = f"NOT FOUND {exc}"
                    continue
            try:
                value = rmap.select(header, view)
            except LOOKUP_ERRORS as exc:  # every lookup failure becomes a result, as in crds
                results[filekind] = f"NOT FOUND {exc}"
                continue
            if value is NOT_APPLICABLE:
                results[filekind] = NOT_FOUND_NA
            elif value is not OMITTED:
                results[filekind] = value
        return results

    def get_required_parkeys(self) -> list[str]:
        """Sorted union of this imap's parkey and every rmap's required parameters."""
        names = set(map(str, self.parkey))
        names.update(self.raw_header.get("extra_keys", ()) or ())
        for child in self.children():
            names.update(child.get_required_parkeys())
        return sorted(names)


class ReferenceMapping(BaseMapping):
    """An .rmap: dataset parameters -> reference file(s) through its selector tree."""

    kind = "reference"

    def __init__(self, name: str, parsed: ParsedMapping, conventions: Conventions,
                 selector_memo: dict[Any, Selector] | None = None) -> None:
        super().__init__(name, parsed, conventions)
        header, raw = self.header, self.raw_header
        self.filekind: str = str(header["filekind"]).lower()
        self.instrument: str = str(header["instrument"]).lower()
        for level in self.parkey:
            if not isinstance(level, tuple) or not all(isinstance(p, str) for p in level):
                raise MappingError("rmap 'parkey' must be a tuple of tuples of names", name)
        self.reffile_required = str(header.get("reffile_required", "NONE")).upper()
        self.merge_overlaps = str(header.get("merge_overlaps", "true")).lower() not in (
            "false", "0", "f", "no")
        self.required_parkeys = self._required_parkeys()
        self.comment_parkeys: tuple[str, ...] = tuple(raw.get("comment_parkeys", ()) or ())
        self.rmap_omit = self._expression("rmap_omit", header.get("rmap_omit"), "false")
        self.rmap_relevance = self._expression(
            "rmap_relevance", header.get("rmap_relevance"), "always")
        self.parkey_relevance: dict[str, Expression] = {}
        for param, text in (raw.get("parkey_relevance") or {}).items():
            compiled = self._expression(f"parkey_relevance[{param!r}]", text, None)
            if compiled is not None:
                self.parkey_relevance[str(param).lower()] = compiled
        # (parameter, expression) to evaluate at lookup; None: a comment column, always N/A.
        self._relevance_checks = [
            (name, None if name in self.comment_parkeys else self.parkey_relevance[name.lower()])
            for name in self.required_parkeys
            if name in self.comment_parkeys or name.lower() in self.parkey_relevance
        ]
        self.precondition = self._hook("precondition_header")
        self.fallback = self._hook("fallback_header")
        if not isinstance(parsed.selector, SelectorCall):
            raise MappingError("the selector of an .rmap must be a selector call, "
                               "e.g. Match({...})", name)
        substitutions = raw.get("substitutions") or {}
        if not isinstance(substitutions, dict):
            raise MappingError("header 'substitutions' must be a dictionary", name)
        compiler = SelectorCompiler(
            tuple(self.parkey), substitutions, self.merge_overlaps, name,
            parsed.locate, selector_memo,
        )
        self.selector: Selector = compiler.compile(parsed.selector)

    # ---- construction helpers -------------------------------------------------------------

    def _required_parkeys(self) -> list[str]:
        names = [p for level in self.parkey for p in level]
        switch = str(self.raw_header.get("reffile_switch", "NONE")).upper()
        if switch != "NONE":
            names.append(switch)
        names.extend(self.raw_header.get("extra_keys", ()) or ())
        names.extend(self.conventions.global_extra_keys)
        return names

    def _expression(self, field: str, text: Any, default: str | None) -> Expression | None:
        if text is None or (default is not None and str(text).strip().lower() == default):
            return None
        if not isinstance(text, str):
            raise MappingError(f"header '{field}' must be a string", self.name)
        source = _prepare_source(text, self.required_parkeys)
        try:
            return compile_expression(source)
        except ExpressionSyntaxError as exc:
            raise MappingError(f"in header '{field}': {exc}", self.name) from None

    def _hook(self, generic: str) -> Any:
        hooks = self.raw_header.get("hooks")
        if isinstance(hooks, dict):
            function_name = hooks.get(generic, generic)
        else:
            function_name = f"{generic}_{self.instrument}_{self.filekind}_v1"
        return self.conventions.hook(self.instrument, str(function_name))

    # ---- lookup ---------------------------------------------------------------------------

    def get_required_parkeys(self) -> list[str]:
        return list(self.required_parkeys)

    def mapping_names(self) -> list[str]:
        return [self.basename]

    def reference_names(self) -> list[str]:
        """Every reference file this rmap can select, sorted."""
        return sorted(self.reference_name_set())

    def reference_name_set(self) -> frozenset[str]:
        """The set of :meth:`reference_names`, computed once per (immutable) mapping."""
        cached = self.__dict__.get("_reference_name_set")
        if cached is None:
            cached = self.__dict__["_reference_name_set"] = self._reference_names()
        return cached

    def _reference_names(self) -> frozenset[str]:
        names: set[str] = set()
        for value in self.selector.terminals():
            values = value if isinstance(value, tuple) else (
                tuple(value.values()) if isinstance(value, dict) else (value,))
            for item in values:
                if isinstance(item, str) and item not in NA_VALUES and item not in OMIT_VALUES:
                    names.add(item)
        return frozenset(names)

    def _warn(self, what: str, expression: Expression, exc: Exception) -> None:
        log.warning(
            "Failed checking %s for %r %r with expr %r : %s",
            what, self.instrument, self.filekind, expression.source, exc,
        )

    def matching_header(self, header: dict[str, Any]) -> dict[str, Any]:
        """``header`` (already conditioned) as this rmap matches it: parameters that
        ``parkey_relevance`` makes irrelevant become ``N/A`` (RULES.md §5.3)."""
        if not self.parkey_relevance and not self.comment_parkeys:
            return header
        extra: dict[str, Any] = {"keep_comments": False}
        for name in self.required_parkeys:
            value = header.get(name)
            if value is None or value == "UNDEFINED":
                extra[name] = "UNDEFINED"
        view = _Overlay(extra, header)
        matching = None
        for name, expression in self._relevance_checks:
            if expression is None or not expression.evaluate(view):
                if matching is None:
                    matching = dict(header)
                matching[name] = "N/A"
        return header if matching is None else matching

    def best_reference(self, header: Mapping[str, Any],
                       view: Mapping[str, Any] | None = None) -> Any:
        """The selected value; raises NotApplicable, Omitted or the lookup error.

        ``view`` is ``expression_view(header)`` when the caller already has it.
        """
        value = self.select(header, view)
        if value is NOT_APPLICABLE:
            raise NotApplicable()
        if value is OMITTED:
            raise Omitted()
        return value

    def select(self, header: Mapping[str, Any], view: Mapping[str, Any] | None = None) -> Any:
        """Like :meth:`best_reference`, but not-applicable and omitted outcomes are returned
        as the markers ``NOT_APPLICABLE`` and ``OMITTED`` (cheaper than exceptions)."""
        if self.rmap_omit is not None or self.rmap_relevance is not None:
            if view is None:
                view = expression_view(header)
            if self.rmap_omit is not None:
                try:
                    omit = self.rmap_omit.evaluate(view)
                except LOOKUP_ERRORS as exc:
                    self._warn("OMIT", self.rmap_omit, exc)
                    omit = False
                if omit:
                    return OMITTED
            if self.rmap_relevance is not None:
                try:
                    relevant = self.rmap_relevance.evaluate(view)
                except LOOKUP_ERRORS as exc:
                    self._warn("relevance", self.rmap_relevance, exc)
                    relevant = True
                if not relevant:
                    return NOT_APPLICABLE
        original = header
        if self.precondition is not None:
            header = self.precondition(dict(header))
        elif not isinstance(header, dict):
            header = dict(header)
        matching = self.matching_header(header)
        try:
            value = self.selector.choose(matching)
        except LOOKUP_ERRORS:
            if self.conventions.do_not_reprocess(matching):
                return NOT_APPLICABLE
            try:
                value = self._fallback(original)
            except LOOKUP_ERRORS:
                if self.reffile_required == "NO":
                    return NOT_APPLICABLE
                raise
        if value.__class__ is str:
            if value in NA_VALUES:
                return NOT_APPLICABLE
            if value in OMIT_VALUES:
                return OMITTED
        return value

    def _fallback(self, original: dict[str, Any]) -> Any:
        """Retry with the fallback hook's header, or re-raise the pending error."""
        if self.fallback is None:
            raise
        changed = self.fallback(dict(original))
        if not changed:
            raise
        reduced = reduce_header(self.conventions.translate_keys(changed), self.required_parkeys)
        return self.selector.choose(self.matching_header(reduced))

    def get_best_references(self, header: Mapping[str, Any],
                            include: Iterable[str] | None = None) -> dict[str, Any]:
        """``{filekind: result}``, or ``{}`` when the type is omitted."""
        if include:
            for filekind in include:
                if filekind.lower() != self.filekind:
                    raise UnknownReftypeError(f"Unknown reference type '{filekind.lower()}'")
        try:
            return {self.filekind: self.best_reference(header)}
        except Omitted:
            return {}
        except NotApplicable:
            return {self.filekind: NOT_FOUND_NA}
        except LOOKUP_ERRORS as exc:
            return {self.filekind: f"NOT FOUND {exc}"}


def build_mapping(name: str, parsed: ParsedMapping, conventions: Conventions,
                  load_child: ChildLoader, selector_memo: dict[Any, Selector] | None = None
                  ) -> BaseMapping:
    """The mapping object of the right kind for ``parsed``."""
    kind = kind_of_mapping(name, parsed.header)
    if kind == "pipeline":
        return PipelineContext(name, parsed, conventions, load_child)
    if kind == "instrument":
        return InstrumentContext(name, parsed, conventions, load_child)
    return ReferenceMapping(name, parsed, conventions, selector_memo)

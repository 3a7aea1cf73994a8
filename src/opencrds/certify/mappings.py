"""Certify .pmap/.imap/.rmap files (TOOLS.md §5.1)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..client.contexts import CacheTextSource
from ..rules.checksum import mapping_checksum
from ..rules.diff import logical_diffs
from ..rules.diff_analysis import check_diffs
from ..rules.errors import CHILD_LOAD_ERRORS, CrdsError
from ..rules.loader import MappingLoader
from ..rules.mappings import BaseMapping, InstrumentContext, PipelineContext, ReferenceMapping
from ..rules.parser import ParsedMapping, SelectorCall, parse_mapping_text
from ..rules.values import condition_value
from . import jwst_core
from .context import CertifyOptions, Unprefixed, definition_for, mapping_path, reference_path
from .duplicates import find_duplicates
from .rmap_update import shown_values
from .special_cases import check_special_cases

Report = Callable[[str, str], None]
KIND_BY_EXT = {".pmap": "PIPELINE", ".imap": "INSTRUMENT", ".rmap": "REFERENCE"}
_EXEMPT = re.compile(r"^(\*|ANY|N/A|NOT\b.*|BETWEEN\b.*|#.*)$", re.IGNORECASE)
_ESOTERIC = re.compile(r"[*?\[\]()^$<>=]")


def _loader_for(path: Path) -> MappingLoader:
    return MappingLoader(CacheTextSource(None, (path.resolve().parent,)), ignore_checksum=True)


def load_mapping(path: str | Path, report: Report, options: CertifyOptions
                 ) -> BaseMapping | None:
    """Parse, scan and load one mapping file, reporting each problem; None if it won't load."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report("ERROR", f"Failed to read mapping {str(path)!r} : {exc}")
        return None
    name = path.name
    if not options.dont_parse:
        try:
            parse_mapping_text(text, name)
        except CrdsError as exc:
            report("ERROR", f"MappingFormatError : {exc}")
            return None
    # as crds: the load failure, then the duplicate scan, then the validation error
    shown = display_name(path)
    mapping, failure = None, None
    try:
        mapping = _loader_for(path).from_text(text, name)
    except CrdsError as exc:
        failure = _load_failure(str(exc), shown)
        if failure is None:
            failure = (None, f"Failed loading mapping {name!r} : {exc}")
    except Exception as exc:  # noqa: BLE001 - boundary: any malformed mapping is one error
        failure = (None, f"Failed loading mapping {name!r} : {type(exc).__name__}: {exc}")
    if failure is not None and failure[0] is not None:
        report("ERROR", failure[0])
    if not options.dont_parse:
        lines = text.splitlines()
        for dup in find_duplicates(text):
            report("ERROR", Unprefixed(_duplicate_message(dup, lines)))
    if failure is not None or mapping is None:
        report("ERROR", failure[1] if failure else f"Failed loading mapping {name!r}")
        return None
    expected = mapping.raw_header.get("sha1sum")
    if expected is None:
        report("WARNING", f"Checksum error : sha1sum is missing in {name!r}")
    elif expected != mapping_checksum(text):
        report("WARNING", f"Checksum error : sha1sum mismatch in {name!r}")
    return mapping


_VALUE_RE = re.compile(r":\s*(?:(['\"])(.*?)\1|(\w+)\()")


def _duplicate_message(dup: Any, lines: list[str]) -> str:
    """A duplicate key as crds reports it: where, the key, and both values (later first;
    a nested selector by its class)."""
    parts = _dedupe(dup.path)
    if parts and parts[0] == "header":
        where = "header"
    elif len(parts) > 1:
        where = f"selector {parts[0]}({', '.join(parts[1:])})"
    else:
        where = "selector"

    def value(number: int) -> str:
        found = _VALUE_RE.search(lines[number - 1]) if 0 < number <= len(lines) else None
        if found is None:
            return "?"
        return repr(found.group(2)) if found.group(3) is None else found.group(3)

    return (f"Duplicate entry at {where} {dup.key!r} = {value(dup.line)} vs. "
            f"{value(dup.first_line)}")


def _load_failure(message: str, shown: str) -> tuple[str, str] | None:
    """crds's two errors for a mapping that parses but does not load, or None."""
    missing = re.search(r"Required header key '([^']+)' is missing\.?", message)
    expression = re.search(r"invalid expression '.*?': (.+)$", message)
    if missing and missing.group(1) == "parkey":  # crds fails on the key itself
        key = repr(missing.group(1))
        return (f"Problem loading submappings of {shown!r} : Can't load file {shown} : {key}",
                f"Validation error : {key}")
    if missing:
        problem = f"Required header key {missing.group(1)!r} is missing."
    elif expression:  # a header expression that does not compile, as Python says it
        problem = f"{expression.group(1)} (<unknown>, line 1)"
        return (Loaded(f"Problem loading submappings of {shown!r} : {problem}"),
                Loaded(f"Validation error : {problem}"))
    else:
        return None
    return (f"Problem loading submappings of {shown!r} : {problem}",
            f"Validation error : {problem}")


class Loaded(str):
    """An ERROR about a mapping whose header was read: prefixed with its instrument and
    type."""


def _dedupe(path: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in path:
        if not out or out[-1] != part:
            out.append(part)
    return out


def check_semantics(mapping: BaseMapping, path: Path, report: Report,
                    options: CertifyOptions, values: bool = True) -> None:
    """Header kind vs extension, observatory, and rmap match values vs _ld.tpn values."""
    ext = path.suffix.lower()
    kind = str(mapping.header.get("mapping", "")).upper()
    if ext in KIND_BY_EXT and kind != KIND_BY_EXT[ext]:
        report("ERROR", f"Mapping {path.name!r} header 'mapping' is {kind!r} but its "
               f"extension {ext!r} requires {KIND_BY_EXT[ext]!r}")
    if isinstance(mapping, ReferenceMapping):
        _check_classes(mapping, report)
        if values:
            _check_match_values(mapping, report, options)
        check_special_cases(mapping, report)


def _check_classes(mapping: ReferenceMapping, report: Report) -> bool:
    """The rmap ``parkey`` has one tuple of names per selector class of ``classes``; False
    after reporting when it does not."""
    classes = mapping.header.get("classes", ("Match", "UseAfter"))  # the CRDS default
    parkey = mapping.header.get("parkey")
    if not isinstance(classes, (tuple, list)) or not isinstance(parkey, (tuple, list)):
        return True
    if len(classes) == len(parkey):
        return True
    show = parameter_display(mapping)
    first = parkey[0] if parkey and isinstance(parkey[0], (tuple, list)) else ()
    head = f"{classes[0] if classes else 'Match'}({', '.join(repr(show(p)) for p in first)})"
    shown = tuple(tuple(show(p) for p in level) if isinstance(level, (tuple, list)) else level
                  for level in parkey)
    report("ERROR", Unprefixed(f"{head} : Length mismatch between rmap parkey: \"{shown!r}\" "
                               f"and rmap classes header fields \"{tuple(classes)!r}\""))
    return False


def parameter_display(mapping: BaseMapping) -> Callable[[str], str]:
    """How messages name a parameter of ``mapping`` (JWST adds the FITS keyword)."""
    if mapping.observatory.lower() == "jwst":
        return lambda name: jwst_core.display_name(str(name).upper())
    return str


def valid_values(mapping: ReferenceMapping, options: CertifyOptions) -> dict[str, Any]:
    """``{PARAMETER: (datatype code, allowed values)}`` of an rmap's type (``_ld.tpn``)."""
    definition = definition_for(mapping.observatory, options)
    if definition is None:
        return {}
    found: dict[str, Any] = {}
    constraints = definition.constraints_for(mapping.instrument, mapping.filekind, "ld_tpn")
    if mapping.observatory.lower() == "jwst":
        constraints = jwst_core.with_stand_ins(constraints, definition, mapping.instrument,
                                               mapping.filekind, "ld_tpn")
    for constraint in constraints:
        if constraint.keytype_code not in "HC" or constraint.expression:
            continue
        values = constraint.values
        if not values or values[0].startswith("&") or any("*" in v for v in values):
            continue
        if len(values) == 1 and ":" in values[0]:
            continue
        found[constraint.name.upper()] = (constraint.datatype_code, values)
    return found


def _check_match_values(mapping: ReferenceMapping, report: Report,
                        options: CertifyOptions) -> None:
    selector = mapping.parsed.selector
    if not isinstance(selector, SelectorCall) or selector.class_name != "Match":
        return
    params = [str(p).upper() for p in mapping.parkey[0]] if mapping.parkey else []
    valid = valid_values(mapping, options)
    if not valid:
        return
    show = parameter_display(mapping)
    # crds names the first parameter as messages do and the others as the rmap writes them
    names = [str(p) for p in mapping.parkey[0]]
    head = f"Match{tuple(show(p) if i == 0 else p for i, p in enumerate(names))!r}"
    for key in selector.entries:  # as crds, the first bad value of a key is reported
        values = key if isinstance(key, tuple) else (key,)
        problem = next(_bad_values(params, values, valid), None)
        if problem is not None:
            param, part, allowed = problem
            report("ERROR", Unprefixed(
                f"{head} : {shown_key(key)!r} :  parameter={show(param)!r} "
                f"value={part!r} is not in {shown_values(allowed)!r}"))


def _bad_values(params: list[str], values: tuple[Any, ...], valid: dict[str, Any]
                ) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """``(parameter, value, allowed values)`` of each value of a key its type disallows."""
    for param, value in zip(params, values, strict=False):
        if param not in valid:
            continue
        code, allowed = valid[param]
        for part in str(value).split("|"):
            if _EXEMPT.match(part.strip()) or _ESOTERIC.search(part):
                continue
            if not allowed_value(code, part.strip(), allowed):
                yield param, part, allowed


def shown_key(key: Any) -> tuple[str, ...]:
    """A Match key as crds shows it: a tuple of conditioned strings (``1062`` -> ``'1062.0'``)."""
    return tuple(condition_value(v) for v in (key if isinstance(key, tuple) else (key,)))


def allowed_value(code: str, value: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``value`` is one of ``allowed`` (numbers compared as numbers)."""
    if code in "IRD":
        try:
            return any(abs(float(a) - float(value)) < 1e-7 for a in allowed if _num(a))
        except ValueError:
            return value.upper() in allowed
    return value.upper() in allowed or value in allowed


def _num(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def predecessor(mapping: BaseMapping, context: BaseMapping | None) -> BaseMapping | None:
    """The mapping of ``context`` equivalent to ``mapping`` (same instrument and type)."""
    if context is None or not isinstance(context, PipelineContext):
        return None
    try:
        if isinstance(mapping, PipelineContext):
            return context
        if isinstance(mapping, InstrumentContext):
            return context.get_imap(mapping.instrument)
        if isinstance(mapping, ReferenceMapping):
            return context.get_imap(mapping.instrument).get_rmap(mapping.filekind)
    except CHILD_LOAD_ERRORS:  # no equivalent mapping
        return None
    return None


def predecessor_imap(mapping: ReferenceMapping, context: BaseMapping | None
                     ) -> BaseMapping | None:
    """The imap of ``mapping``'s instrument in ``context``, if any."""
    if not isinstance(context, PipelineContext):
        return None
    try:
        return context.get_imap(mapping.instrument)
    except CHILD_LOAD_ERRORS:  # no such instrument, or its imap cannot be loaded
        return None


def check_differences(mapping: BaseMapping, path: Path, context: BaseMapping | None,
                      report: Report, shown: str | None = None,
                      load: Callable[[str], ParsedMapping] | None = None) -> None:
    """Compare ``mapping`` with its predecessor in ``context`` (TOOLS.md §5.1 step 4): the
    warnings of ``crds diff``'s certify rules over the logical differences, nested mappings
    included (``load`` reads a nested mapping by name)."""
    old = predecessor(mapping, context)
    ctx_name = context.basename if context is not None else "none"
    if old is None and isinstance(mapping, ReferenceMapping):
        imap = predecessor_imap(mapping, context)
        if imap is not None:
            report("WARNING", f"No equivalent filekind in {imap.basename!r} corresponding to "
                   f"{display_name(path)!r}")
            return
    if old is None:
        report("INFO", f"No predecessor for {path.name!r} relative to context {ctx_name!r}")
        return
    if old.basename == path.name:
        return
    where = shown or (f"./{path.name}" if not str(path).startswith(("/", ".")) else str(path))
    if isinstance(mapping, InstrumentContext) and len(path.stem.split("_")) > 3:
        # crds reads <obs>_<instr>_<type>_<serial> from such a name and finds no type
        report("ERROR", Unprefixed(
            f"instrument='UNKNOWN' type='UNKNOWN' data={where!r} ::  Validation error : "
            f"Failed to determine {mapping.observatory!r} instrument or reftype for "
            f"{where!r} : 'Invalid or missing header key 'filekind''"))
        return
    if mapping.observatory.lower() == "roman" and \
            path.name.lower().startswith("roman_") and \
            _bad_checksum(mapping.parsed, path.read_text(encoding="utf-8")):
        # crds reads a Roman mapping again, checksum verified, to find its instrument and
        # type (it does not for HST and JWST mappings)
        report("ERROR", Unprefixed(
            f"instrument='UNKNOWN' type='UNKNOWN' data={where!r} ::  Validation error : "
            f"Failed to determine {mapping.observatory!r} instrument or reftype for "
            f"{where!r} : 'sha1sum mismatch in {path.name!r}'"))
        return
    if isinstance(old, InstrumentContext) and load is not None:
        for child in old.selector.values():  # crds loads the predecessor checksum-verified
            if isinstance(child, str) and child.endswith(".rmap"):
                try:
                    text = _read_cached(load, child)
                except (OSError, CrdsError):
                    continue
                if text is not None and _bad_checksum(None, text):
                    report("ERROR", f"Validation error : sha1sum mismatch in {child!r}")
                    return
    report("INFO", f"Mapping {path.name!r} corresponds to {old.basename!r} from context "
           f"{ctx_name!r} for checking mapping differences.")
    report("INFO", f"Checking diffs from {old.basename!r} to {path.name!r}")
    loaded = {old.basename: old.parsed, str(path): mapping.parsed}

    def read(name: str) -> ParsedMapping:
        if name in loaded:
            return loaded[name]
        if load is None:
            raise CrdsError(f"cannot read mapping {name!r}")
        return load(name)

    try:
        diffs = logical_diffs(old.basename, str(path), read, shown=(old.basename, where))
    except CHILD_LOAD_ERRORS as exc:  # a nested mapping that cannot be read
        report("WARNING", f"Failed checking differences from {old.basename!r} to "
               f"{where!r} : {exc}")
        return
    show = parameter_display(mapping)
    for warning in check_diffs(diffs) + _special_reversions(diffs):
        # crds names the parameters of the mapping certified as messages do, not nested ones
        if warning.startswith(f"Different lookup parameters ({where!r},)") and show is not str:
            warning = re.sub(r"'(META\.[A-Z0-9_.]+)'",
                             lambda m: repr(show(m.group(1))), warning)
        report("WARNING", warning)


def _bad_checksum(parsed: ParsedMapping | None, text: str) -> bool:
    """Whether mapping ``text`` has a sha1sum that does not match it."""
    if parsed is None:
        try:
            parsed = parse_mapping_text(text, "<mapping>")
        except CrdsError:
            return False
    expected = parsed.header.get("sha1sum")
    return expected is not None and expected != mapping_checksum(text)


def _read_cached(load: Callable[[str], ParsedMapping], name: str) -> str | None:
    """The text of a cached mapping, through the loader's file (None if it has none)."""
    where = getattr(load, "path_of", None)
    if where is None:
        return None
    with open(where(name), encoding="utf-8") as stream:
        return stream.read()


def _special_reversions(diffs: list[Any]) -> list[str]:
    """crds also reports a rule replaced by ``OMIT`` as a reversion (after failing to
    classify the name)."""
    from ..rules.diff_analysis import is_mapping_names, lowest_pair_index, message_words

    found = []
    for diff in diffs:
        verb, first, second = message_words(diff)
        if verb == "replaced" and first and (second or "").strip("'") == "OMIT":
            index = lowest_pair_index(diff)
            new_name = diff[index][1] if is_mapping_names(diff[index], 2) else ""
            at = (new_name, *diff[index + 1:-1])
            found.append(f"Reversion at {at!r} replaced {first.strip(chr(39))!r} with 'OMIT'")
    return found


def check_references(mapping: BaseMapping, report: Report, options: CertifyOptions
                     ) -> list[Path]:
    """With -e/-d: every reference named must be in the cache; the cached paths found."""
    found = []
    for name in mapping.reference_names():
        cached = reference_path(name, mapping.observatory, options)
        if cached is None:
            where = mapping_path(name, mapping.observatory, options).parent.parent.parent
            report("ERROR", f"Can't locate reference file {name!r} : Path "
                   f"'{where / 'references' / mapping.observatory / name}' does not exist.")
        else:
            found.append(cached)
    return found


def child_paths(mapping: BaseMapping, options: CertifyOptions, given: dict[str, str],
                report: Report, shown: str | None = None) -> list[str] | None:
    """Paths of the direct sub-mappings: a file given on the command line, else the cache.
    A sub-mapping found in neither is an error, and None is returned (like CRDS, files merely
    lying beside the mapping do not count)."""
    if isinstance(mapping, ReferenceMapping):
        return []
    names = [v for v in mapping.selector.values()  # type: ignore[attr-defined]
             if isinstance(v, str) and v.endswith((".imap", ".rmap"))]
    paths = []
    for name in names:
        if name in given:
            paths.append(given[name])
            continue
        cached = mapping_path(name, mapping.observatory, options)
        if cached.is_file():
            paths.append(str(cached))
        else:  # as in crds, loading the mapping stops at its first missing sub-mapping
            problem = f"[Errno 2] No such file or directory: {str(cached)!r}"
            report("ERROR", f"Problem loading submappings of {shown or mapping.basename!r} : "
                   f"{problem}")
            report("ERROR", f"Validation error : {problem}")
            return None
    return paths


def missing_submappings(mapping: BaseMapping, path: Path, report: Report) -> bool:
    """Sub-mappings named by a path (not a bare name) must exist as given, relative to the
    current directory, as CRDS opens them; report the first that does not (loading stops
    there). True if one is missing."""
    if isinstance(mapping, ReferenceMapping):
        return False
    for name in mapping.selector.values():  # type: ignore[attr-defined]
        if (not isinstance(name, str) or not name.endswith((".imap", ".rmap"))
                or "/" not in name or os.path.exists(name)):
            continue
        problem = f"[Errno 2] No such file or directory: {name!r}"
        report("ERROR", f"Problem loading submappings of {display_name(path)!r} : {problem}")
        report("ERROR", f"Validation error : {problem}")
        return True
    return False


def display_name(path: str | os.PathLike[str]) -> str:
    """A file argument as CRDS shows it: bare names get ``./``."""
    text = os.fspath(path)
    return text if os.path.dirname(text) else os.path.join(".", text)

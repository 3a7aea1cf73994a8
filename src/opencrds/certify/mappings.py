"""Certify .pmap/.imap/.rmap files (TOOLS.md §5.1)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..client.contexts import CacheTextSource
from ..rules.checksum import mapping_checksum
from ..rules.errors import CrdsError
from ..rules.loader import MappingLoader
from ..rules.mappings import BaseMapping, InstrumentContext, PipelineContext, ReferenceMapping
from ..rules.naming import NameComparisonError, newer
from ..rules.parser import SelectorCall, parse_mapping_text
from . import jwst_core
from . import rows as rowlib
from .context import CertifyOptions, definition_for, mapping_path, reference_path
from .duplicates import find_duplicates
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
        for dup in find_duplicates(text):
            where = " ".join(_dedupe(dup.path))
            report("ERROR", f"Duplicate entry at {where} = {dup.key!r} (lines {dup.first_line} "
                   f"and {dup.line})")
    try:
        mapping = _loader_for(path).from_text(text, name)
    except CrdsError as exc:
        report("ERROR", f"Failed loading mapping {name!r} : {exc}")
        return None
    except Exception as exc:  # noqa: BLE001 - any malformed mapping is one error
        report("ERROR", f"Failed loading mapping {name!r} : {type(exc).__name__}: {exc}")
        return None
    expected = mapping.raw_header.get("sha1sum")
    if expected is None:
        report("WARNING", f"Checksum error : sha1sum is missing in {name!r}")
    elif expected != mapping_checksum(text):
        report("WARNING", f"Checksum error : sha1sum mismatch in {name!r}")
    return mapping


def _dedupe(path: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in path:
        if not out or out[-1] != part:
            out.append(part)
    return out


def check_semantics(mapping: BaseMapping, path: Path, report: Report,
                    options: CertifyOptions) -> None:
    """Header kind vs extension, observatory, and rmap match values vs _ld.tpn values."""
    ext = path.suffix.lower()
    kind = str(mapping.header.get("mapping", "")).upper()
    if ext in KIND_BY_EXT and kind != KIND_BY_EXT[ext]:
        report("ERROR", f"Mapping {path.name!r} header 'mapping' is {kind!r} but its "
               f"extension {ext!r} requires {KIND_BY_EXT[ext]!r}")
    if isinstance(mapping, ReferenceMapping):
        _check_classes(mapping, report)
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
    first = parkey[0] if parkey and isinstance(parkey[0], (tuple, list)) else ()
    head = f"{classes[0] if classes else 'Match'}({', '.join(repr(p) for p in first)})"
    report("ERROR", f"{head} : Length mismatch between rmap parkey: \"{tuple(parkey)!r}\" and "
           f"rmap classes header fields \"{tuple(classes)!r}\" in {mapping.basename!r}")
    return False


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
    head = f"Match({', '.join(repr(p) for p in mapping.parkey[0])})"
    for key in selector.entries:
        values = key if isinstance(key, tuple) else (key,)
        for param, value in zip(params, values, strict=False):
            if param not in valid:
                continue
            code, allowed = valid[param]
            for part in str(value).split("|"):
                if _EXEMPT.match(part.strip()) or _ESOTERIC.search(part):
                    continue
                if not allowed_value(code, part.strip(), allowed):
                    report("ERROR", f"{head} : {key!r} :  parameter={param.lower()!r} "
                           f"value={part!r} is not in {tuple(allowed)!r}")


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
    except Exception:  # noqa: BLE001 - no equivalent mapping
        return None
    return None


def predecessor_imap(mapping: ReferenceMapping, context: BaseMapping | None
                     ) -> BaseMapping | None:
    """The imap of ``mapping``'s instrument in ``context``, if any."""
    if not isinstance(context, PipelineContext):
        return None
    try:
        return context.get_imap(mapping.instrument)
    except Exception:  # noqa: BLE001
        return None


def check_differences(mapping: BaseMapping, path: Path, context: BaseMapping | None,
                      report: Report) -> None:
    """Compare ``mapping`` with its predecessor in ``context`` (TOOLS.md §5.1 step 4)."""
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
    report("INFO", f"Mapping {path.name!r} corresponds to {old.basename!r} from context "
           f"{ctx_name!r} for checking mapping differences.")
    report("INFO", f"Checking diffs from {old.basename!r} to {path.name!r}")
    where = f"./{path.name}" if not str(path).startswith(("/", ".")) else str(path)
    if tuple(old.parkey) != tuple(mapping.parkey):  # as crds: rows are then not compared
        levels = list(zip(old.parkey, mapping.parkey, strict=False))
        before, after = next(((a, b) for a, b in levels if tuple(a) != tuple(b)),
                             (old.parkey, mapping.parkey))
        report("WARNING", f"Different lookup parameters ({where!r},) different parameter "
               f"lists  {tuple(before)!r} : {tuple(after)!r}")
        return
    if isinstance(mapping, ReferenceMapping) and isinstance(old, ReferenceMapping):
        _rmap_differences(old, mapping, where, report)
    elif not isinstance(mapping, ReferenceMapping):
        new_selector = {str(k).lower(): v for k, v in
                        mapping.selector.items()}  # type: ignore[attr-defined]
        for key, value in old.selector.items():  # type: ignore[attr-defined]
            new_value = new_selector.get(str(key).lower())
            if new_value is None:
                report("WARNING", f"Deletion at ({where!r}, {key!r}) deleted terminal "
                       f"{value!r}")
            elif new_value != value:
                _replacement(f"({where!r}, ({str(key).lower()!r},))", value, new_value,
                             report)


def _rmap_differences(old: ReferenceMapping, new: ReferenceMapping, where: str,
                      report: Report) -> None:
    old_sel, new_sel = old.parsed.selector, new.parsed.selector
    if isinstance(old_sel, SelectorCall) and isinstance(new_sel, SelectorCall) and (
            old_sel.class_name != new_sel.class_name):
        report("WARNING", f"Different classes at ({where!r},) : {old_sel.class_name!r} vs "
               f"{new_sel.class_name!r}")
        return
    old_rows = dict(rowlib.flatten(old_sel))
    new_rows = dict(rowlib.flatten(new_sel))
    old_first = {k[0] for k in old_rows if k}
    new_first = {k[0] for k in new_rows if k}
    for key, value in new_rows.items():
        if key and key[0] not in old_first:
            for name in rowlib.terminal_names(value):
                report("WARNING", f"Rule change at ({where!r}, {', '.join(map(repr, key))}) "
                       f"added Match rule for {name!r}")
    for key, value in old_rows.items():
        at = f"({where!r}, {', '.join(map(repr, key))})"
        if key and key[0] not in new_first:
            for name in rowlib.terminal_names(value):
                report("WARNING", f"Rule change at {at} deleted Match rule for {name!r}")
        elif key not in new_rows:
            for name in rowlib.terminal_names(value):
                report("WARNING", f"Deletion at {at} deleted terminal {name!r}")
        elif new_rows[key] != value:
            _replacement(at, value, new_rows[key], report)


def _replacement(at: str, old: Any, new: Any, report: Report) -> None:
    if not isinstance(old, str) or not isinstance(new, str):
        return
    if not old.strip() or not new.strip():
        report("WARNING", f"Unusual replacement at {at} {old!r} --> {new!r}")
        return
    try:
        is_newer = newer(new, old)
    except (NameComparisonError, ValueError):
        return
    if not is_newer:
        report("WARNING", f"Reversion at {at} replaced {old!r} with {new!r}")


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
                report: Report, shown: str | None = None) -> list[str]:
    """Paths of the direct sub-mappings: a file given on the command line, else the cache.
    A sub-mapping found in neither is an error and no sub-mapping is certified (like CRDS,
    files merely lying beside the mapping do not count)."""
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
            return []
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

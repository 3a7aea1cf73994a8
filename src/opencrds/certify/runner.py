"""Certify a list of files: the order, banners and bookkeeping of ``certify``."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..rules.edit import derived_text
from ..rules.errors import CHILD_LOAD_ERRORS, CrdsError
from ..rules.mappings import BaseMapping, ReferenceMapping
from ..rules.naming import is_mapping
from . import jwst_core
from . import mappings as maps
from .context import (
    CertifyOptions,
    Unprefixed,
    default_context,
    definition_for,
    no_definitions_message,
    observatory_for,
    reference_path,
)
from .references import RefIdentity, Report, certify_reference, file_format
from .rmap_update import InsertError, Insertion, failure_message, insertion_header, trial_insert
from .synphot import previous_files

log = logging.getLogger("opencrds.certify")
BANNER = "#" * 40
_LEVELS = {"ERROR": logging.ERROR, "WARNING": logging.WARNING, "INFO": logging.INFO}


@dataclass
class FileResult:
    """The messages of one certified file."""

    name: str
    messages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for level, _ in self.messages if level == "ERROR")

    @property
    def warnings(self) -> int:
        return sum(1 for level, _ in self.messages if level == "WARNING")

    @property
    def verdict(self) -> str:
        """``errors``, ``warnings`` or ``ok``."""
        return "errors" if self.errors else "warnings" if self.warnings else "ok"


@dataclass
class CertifyResult:
    """Every file's result, in certification order."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for result in self.files:
            total.update(level for level, _ in result.messages)
        return total


class _Session:
    def __init__(self, options: CertifyOptions) -> None:
        self.options = options
        self.result = CertifyResult()
        self.contexts: dict[str, BaseMapping | None] = {}
        self.done: set[str] = set()
        self.current: FileResult | None = None

    # -- reporting --

    def emit(self, level: str, message: str) -> None:
        if self.current is not None:
            self.current.messages.append((level, message))
        log.log(_LEVELS.get(level, logging.DEBUG), "%s", message)

    def reporter(self, prefix: list[str]):  # type: ignore[no-untyped-def]
        def report(level: str, message: str) -> None:
            if isinstance(message, maps.Loaded) and len(prefix) > 1:
                message = f"{prefix[1]} ::  {message}"
            elif level == "ERROR" and prefix and not isinstance(message, Unprefixed):
                message = f"{prefix[0]} ::  {message}"
            self.emit(level, message)
        return report

    # -- context --

    def context_name(self, observatory: str) -> str | None:
        if self.options.comparison_context and self.options.comparison_context.lower() not in (
                "none",):
            return os.path.basename(self.options.comparison_context)
        return default_context(observatory, self.options)

    def context(self, observatory: str) -> BaseMapping | None:
        if observatory not in self.contexts:
            name = self.context_name(observatory)
            loaded = None
            if name:
                from ..client.contexts import load_context

                try:
                    loaded = load_context(self.options.comparison_context
                                          if self.options.comparison_context
                                          and os.sep in self.options.comparison_context
                                          else name, cache=self.options.cache,
                                          ignore_checksum=True)
                except Exception as exc:  # noqa: BLE001 - boundary: reported, certify goes on
                    self.emit("ERROR", f"Failed loading comparison context {name!r} : {exc}")
            self.contexts[observatory] = loaded
        return self.contexts[observatory]

    def parkeys(self, observatory: str, ident: RefIdentity) -> frozenset[str]:
        context = self.context(observatory)
        if context is None:
            return frozenset()
        try:
            imap = context.get_imap(ident.instrument)  # type: ignore[attr-defined]
        except CHILD_LOAD_ERRORS:
            return frozenset()
        if ident.filekind not in {t.lower() for t in imap.selector}:
            raise ValueError(f"Unknown reference type {ident.filekind!r}")
        try:
            rmap = imap.get_rmap(ident.filekind)
        except CHILD_LOAD_ERRORS:
            return frozenset()
        return frozenset(str(p).upper() for level in rmap.parkey for p in level)

    # -- files --

    def observatory(self, path: str) -> str:
        return observatory_for(path, self.options)

    def certify(self, name: str, index: int, total: int) -> None:
        path = maps.display_name(name)
        observatory = self.observatory(path)
        context_name = self.context_name(observatory) or "none"
        self.current = FileResult(path)
        self.result.files.append(self.current)
        self.emit("INFO", BANNER)
        if definition_for(observatory, self.options) is None:
            self.reporter([f"instrument='UNKNOWN' type='UNKNOWN' data={path!r}"])(
                "ERROR", no_definitions_message(observatory))
        if is_mapping(path):
            self.emit("INFO", f"Certifying {path!r} ({index}/{total}) as 'MAPPING' relative to "
                      f"context {context_name!r}")
            self.certify_mapping(Path(path), observatory, path)
            return
        kind = file_format(path) if os.path.exists(path) else "UNKNOWN"
        self.emit("INFO", f"Certifying {path!r} ({index}/{total}) as {kind!r} relative to "
                  f"context {context_name!r}")
        if not os.path.isfile(path):
            self.reporter([f"instrument='UNKNOWN' type='UNKNOWN' data={path!r}"])(
                "ERROR", f"Validation error : File {path!r} does not exist.")
            return
        prefix = [f"instrument='UNKNOWN' type='UNKNOWN' data={path!r}"]
        self.certify_reference(path, observatory, context_name, prefix)

    def certify_reference(self, path: str, observatory: str, context_name: str,
                          prefix: list[str]) -> None:
        report = self.reporter(prefix)

        def parkeys(ident: RefIdentity) -> frozenset[str]:
            prefix[0] = (f"instrument={ident.instrument.upper()!r} "
                         f"type={ident.filekind.upper()!r} data={path!r}")
            return self.parkeys(observatory, ident)

        def previous(filekind: str, compname: str) -> list[str]:
            context = self.context(observatory)
            return [] if context is None else list(previous_files(context)(filekind, compname))

        def comparison(ident: RefIdentity, header: dict[str, str]) -> str | None:
            if not self.options.compare_old_reference:
                return None
            return self.comparison_reference(path, observatory, ident, header, report)

        def certified(ident: RefIdentity, header: dict[str, str]) -> None:
            self.inserted.append((path, observatory, ident, header))

        try:
            certify_reference(path, observatory, self.options, report, context_name, parkeys,
                              previous, comparison, certified)
        except Exception as exc:  # noqa: BLE001 - boundary: one error per bad file, then go on
            report("ERROR", f"Validation error : {type(exc).__name__}: {exc}")

    def closure(self, children: list[str], observatory: str) -> set[str]:
        """``children`` and every mapping below them that can be found (given or cached)."""
        found: set[str] = set()
        todo = list(children)
        load = self.load_parsed(observatory)
        while todo:
            path = todo.pop()
            if path in found:
                continue
            found.add(path)
            try:
                selector = load(os.path.basename(path) if path not in self.given.values()
                                else path).selector
            except (*CHILD_LOAD_ERRORS, ValueError):  # reported when it is certified
                continue
            if isinstance(selector, dict):
                for name in selector.values():
                    if isinstance(name, str) and name.endswith((".imap", ".rmap")):
                        where = self.given.get(name) or str(
                            maps.mapping_path(name, observatory, self.options))
                        if os.path.isfile(where):
                            todo.append(where)
        return found

    def load_parsed(self, observatory: str):  # type: ignore[no-untyped-def]
        """``load(name)``: a nested mapping given on the command line, else the cache's."""
        from ..rules.parser import parse_mapping_text

        def path_of(name: str) -> str:
            return name if os.path.dirname(name) else (
                self.given.get(name) or str(maps.mapping_path(name, observatory,
                                                              self.options)))

        def load(name: str):  # type: ignore[no-untyped-def]
            where = path_of(name)
            with open(where, encoding="utf-8") as stream:
                return parse_mapping_text(stream.read(), os.path.basename(where))
        load.path_of = path_of  # type: ignore[attr-defined]
        return load

    # -- trial rmap insertion --

    def context_rmap(self, observatory: str, ident: RefIdentity) -> ReferenceMapping | None:
        context = self.context(observatory)
        if context is None:
            return None
        try:
            rmap = context.get_imap(ident.instrument).get_rmap(  # type: ignore[attr-defined]
                ident.filekind)
        except CHILD_LOAD_ERRORS:  # no such rmap in the context
            return None
        return rmap if isinstance(rmap, ReferenceMapping) else None

    def insertion(self, path: str, observatory: str, ident: RefIdentity,
                  header: dict[str, str]) -> tuple[ReferenceMapping, Insertion] | None:
        """Insert reference ``path`` into its rmap of the comparison context (raises
        :class:`InsertError`); None when the context has no such rmap."""
        rmap = self.context_rmap(observatory, ident)
        if rmap is None:
            return None
        definition = definition_for(observatory, self.options)
        useafter = definition.useafter_keyword if definition else "USEAFTER"
        valid = maps.valid_values(rmap, self.options)
        placed = insertion_header(header, useafter)
        substitutions = (definition.substitutions.get(ident.instrument, {})
                         if definition else {})
        try:
            return rmap, trial_insert(rmap, os.path.basename(path), placed, valid,
                                      substitutions)
        except InsertError as exc:
            raise InsertError(failure_message(os.path.basename(path), rmap, placed,
                                              str(exc))) from None

    def comparison_reference(self, path: str, observatory: str, ident: RefIdentity,
                             header: dict[str, str], report: Report) -> str | None:
        """The cached reference a new table's modes are compared with: the one it replaces
        in the comparison context."""
        try:
            found = self.insertion(path, observatory, ident, header)
        except InsertError as exc:
            report("WARNING", f"Failed resolving comparison reference for table checks "
                   f"{exc}")
            return None
        name = None if found is None else found[1].replaced
        if name is None or name == os.path.basename(path):  # none, or the file itself
            return None
        cached = reference_path(name, observatory, self.options)
        if cached is None:
            report("WARNING", f"Failed to obtain reference comparison file {name!r} : it is "
                   "not in the cache and certify does not download")
            return None
        return str(cached)

    def check_rmap_updates(self) -> None:
        """Insert every reference certified into its rmap and certify the results."""
        if not self.inserted or not self.options.check_rmap_updates:
            return
        self.current = None
        self.emit("INFO", BANNER)
        if self.result.counts["ERROR"]:
            self.emit("INFO", "Skipping rmap update check due to certify errors above.")
            return
        groups: dict[tuple[str, str], list[tuple[str, str, RefIdentity, dict[str, str]]]] = {}
        for item in self.inserted:
            groups.setdefault((item[2].instrument, item[2].filekind), []).append(item)
        for (instrument, filekind), items in groups.items():
            self.current = FileResult("rmap update")
            self.result.files.append(self.current)
            self.emit("INFO", f"Checking rmap update for {(instrument, filekind)!r} inserting "
                      f"files {[item[0] for item in items]!r}")
            self.update_rmap(items)

    def update_rmap(self, items: list[tuple[str, str, RefIdentity, dict[str, str]]]) -> None:
        report = self.reporter(["instrument='UNKNOWN' type='UNKNOWN' data='Failed updating "
                                "rmap'"])
        rmap, parsed = None, None
        for path, observatory, ident, header in items:
            target = self.context_rmap(observatory, ident)
            if target is None:
                return
            self.emit("INFO", f"Inserting {os.path.basename(path)} into {target.basename!r}")
            if observatory == "jwst":  # the header is read again, and warned about again
                for key in jwst_core.untranslated_patterns(header):
                    self.emit("WARNING", jwst_core.untranslated_message(key))
            try:
                found = self.insertion(path, observatory, ident, header)
            except InsertError as exc:
                report("ERROR", str(exc))
                return
            if found is None:
                return
            rmap, parsed = found[0], found[1].parsed
        if rmap is None or parsed is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="opencrds-certify-"))
        try:
            trial = folder / rmap.basename
            trial.write_text(derived_text(parsed, rmap.basename), encoding="utf-8")
            self.emit("INFO", BANNER)
            context_name = self.context_name(rmap.observatory) or "none"
            self.emit("INFO", f"Certifying {str(trial)!r} as 'MAPPING' relative to context "
                      f"{context_name!r}")
            self.certify_mapping(trial, rmap.observatory, str(trial), recurse=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def certify_mapping(self, path: Path, observatory: str, shown: str | None = None,
                        recurse: bool = True) -> None:
        shown = shown or str(path)
        prefix = [f"instrument='UNKNOWN' type='UNKNOWN' data={shown!r}",
                  header_prefix(path, shown)]
        report = self.reporter(prefix)
        try:
            mapping = maps.load_mapping(path, report, self.options)
            if mapping is None:
                return
            instrument = str(mapping.header.get("instrument", "")).upper()
            prefix[0] = f"instrument={instrument!r} type='' data={shown!r}"
            if maps.missing_submappings(mapping, path, report):
                return
            # as crds, a mapping whose sub-mappings cannot be found is not checked further
            children = maps.child_paths(mapping, self.options, self.given, report, shown)
            if children is None:
                return
            maps.check_semantics(mapping, path, report, self.options, values=recurse)
            maps.check_differences(mapping, path, self.context(mapping.observatory), report,
                                   shown, self.load_parsed(mapping.observatory))
            if isinstance(mapping, ReferenceMapping) and (self.options.exist
                                                          or self.options.deep):
                found = maps.check_references(mapping, report, self.options)
                if self.options.deep:
                    for ref in found:
                        self.deep.append(str(ref))
            if recurse and not self.options.dont_recurse_mappings:
                # as crds: the whole closure of sub-mappings, certified in sorted order
                for child in sorted(self.closure(children, mapping.observatory)):
                    if os.path.basename(child) not in self.done:
                        self.done.add(os.path.basename(child))
                        self.pending.append(child)
        except Exception as exc:  # noqa: BLE001 - boundary: one error per bad file, then go on
            report("ERROR", f"Validation error : {type(exc).__name__}: {exc}")

    pending: list[str]
    deep: list[str]
    given: dict[str, str]
    inserted: list[tuple[str, str, RefIdentity, dict[str, str]]]


def header_prefix(path: Path, shown: str) -> str:
    """The message prefix of a mapping named by its header (instrument and type)."""
    from ..rules.parser import parse_mapping_text

    try:
        header = parse_mapping_text(path.read_text(encoding="utf-8"), path.name).header
    except (CrdsError, OSError, ValueError):  # a mapping that does not parse names nothing
        header = {}
    instrument = str(header.get("instrument", "UNKNOWN")).upper()
    filekind = str(header.get("filekind", "")).upper()
    return f"instrument={instrument!r} type={filekind!r} data={shown!r}"


def certify_files(files: list[str], options: CertifyOptions | None = None) -> CertifyResult:
    """Certify ``files`` (and, for mappings, their closure); messages are logged on the
    ``opencrds.certify`` logger and returned per file."""
    session = _Session(options or CertifyOptions())
    session.pending = []
    session.deep = []
    session.inserted = []
    session.given = {os.path.basename(f): f for f in files}
    queue = list(files)
    session.done.update(os.path.basename(f) for f in files)
    index = 0
    while queue:
        name = queue.pop(0)
        index += 1
        session.certify(name, index, len(files))
        queue.extend(session.pending)
        session.pending.clear()
        for ref in session.deep:
            if os.path.basename(ref) not in session.done:
                session.done.add(os.path.basename(ref))
                queue.append(ref)
        session.deep.clear()
    session.check_rmap_updates()
    session.current = None
    log.info("%s", BANNER)
    return session.result

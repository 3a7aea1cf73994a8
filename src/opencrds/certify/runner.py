"""Certify a list of files: the order, banners and bookkeeping of ``certify``."""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..rules.mappings import BaseMapping, ReferenceMapping
from ..rules.naming import is_mapping
from . import mappings as maps
from .context import (
    CertifyOptions,
    default_context,
    definition_for,
    no_definitions_message,
    observatory_for,
)
from .references import RefIdentity, certify_reference, file_format
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
            if level == "ERROR" and prefix:
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
                except Exception as exc:  # noqa: BLE001
                    self.emit("ERROR", f"Failed loading comparison context {name!r} : {exc}")
            self.contexts[observatory] = loaded
        return self.contexts[observatory]

    def parkeys(self, observatory: str, ident: RefIdentity) -> frozenset[str]:
        context = self.context(observatory)
        try:
            imap = context.get_imap(ident.instrument)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001
            return frozenset()
        if ident.filekind not in {t.lower() for t in imap.selector}:
            raise ValueError(f"Unknown reference type {ident.filekind!r}")
        try:
            rmap = imap.get_rmap(ident.filekind)
        except Exception:  # noqa: BLE001
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
            self.certify_mapping(Path(path), observatory)
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

        try:
            certify_reference(path, observatory, self.options, report, context_name, parkeys,
                              previous)
        except Exception as exc:  # noqa: BLE001 - one error per bad file, then go on
            report("ERROR", f"Validation error : {type(exc).__name__}: {exc}")

    def certify_mapping(self, path: Path, observatory: str) -> None:
        prefix = [f"instrument='' type='' data={str(path)!r}"]
        report = self.reporter(prefix)
        try:
            mapping = maps.load_mapping(path, report, self.options)
            if mapping is None or maps.missing_submappings(mapping, path, report):
                return
            maps.check_semantics(mapping, path, report, self.options)
            maps.check_differences(mapping, path, self.context(mapping.observatory), report)
            if isinstance(mapping, ReferenceMapping) and (self.options.exist
                                                          or self.options.deep):
                found = maps.check_references(mapping, report, self.options)
                if self.options.deep:
                    for ref in found:
                        self.deep.append(str(ref))
            if not self.options.dont_recurse_mappings:
                for child in maps.child_paths(mapping, self.options, self.given, report):
                    if os.path.basename(child) not in self.done:
                        self.done.add(os.path.basename(child))
                        self.pending.append(child)
        except Exception as exc:  # noqa: BLE001
            report("ERROR", f"Validation error : {type(exc).__name__}: {exc}")

    pending: list[str]
    deep: list[str]
    given: dict[str, str]


def certify_files(files: list[str], options: CertifyOptions | None = None) -> CertifyResult:
    """Certify ``files`` (and, for mappings, their closure); messages are logged on the
    ``opencrds.certify`` logger and returned per file."""
    session = _Session(options or CertifyOptions())
    session.pending = []
    session.deep = []
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
    session.current = None
    log.info("%s", BANNER)
    return session.result

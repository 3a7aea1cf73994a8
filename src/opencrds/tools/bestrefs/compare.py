"""One dataset through ``opencrds bestrefs``: look up, judge and compare (TOOLS.md §6.2).

:class:`Processor` turns a :class:`DatasetSource` into an :class:`Outcome`: the messages to log
(in order), the updates (type, old, new) and whether a lookup failed. It logs nothing itself, so
the same outcome comes from a worker process or from the main one; log records of the rules
engine made meanwhile are captured into the outcome too.

Results are judged as ``crds bestrefs`` judges them: ``NOT FOUND N/A`` is N/A; "no match",
``UNDEFINED``, ``NONE``, ``''`` and ``*`` are N/A too, or errors with
``undefined_differences_matter``; any other ``NOT FOUND <reason>`` is the error
``Bestref FAILED: <reason>``. Compared values lose IRAF prefixes (``jref$``) and ``crds://``
and are lower case.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...rules.errors import CHILD_LOAD_ERRORS, LOOKUP_ERRORS
from ..common import LOGGER_NAME, ToolError
from .failures import load_failure, lookup_failure, types_failure
from .sources import DatasetSource, Header, read_file_header
from .tracking import display_id, message_prefix

_UNDEFINED_LIKE = frozenset({"UNDEFINED", "NONE", "", "*"})
_INSTRUMENT_KEYS = ("INSTRUME", "META.INSTRUMENT.NAME", "INSTRUMENT")
NA = "n/a"

#: (level, text, track): ``track`` is None for plain lines, else (instrument, TYPE, data) of a
#: tracked error whose ``text`` is the message without its prefix.
Message = tuple[int, str, tuple[str, str, str] | None]
#: (reference type, old value or None without a comparison, new value), values lower case.
Update = tuple[str, str | None, str]


@dataclass(frozen=True)
class Settings:
    """What a worker needs to process datasets (picklable)."""

    new_context: str
    old_context: str | None = None
    cache: str | None = None
    compare_source: bool = False
    types: tuple[str, ...] | None = None
    skip_types: frozenset[str] = frozenset()
    undefined_matter: bool = False
    na_matter: bool = False
    differences_are_errors: bool = False
    show_changes: bool = False
    file_mode: bool = False
    updating: bool = False
    update_pickle: bool = False
    keep_results: bool = False
    keep_headers: bool = False
    debug: bool = False

    @property
    def comparing(self) -> bool:
        return self.old_context is not None or self.compare_source


@dataclass
class Outcome:
    """What processing one dataset gave."""

    name: str
    instrument: str = ""
    loaded: bool = True
    failed: bool = False
    messages: list[Message] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    results: dict[str, Any] | None = None
    header: Header | None = None


def instrument_of(header: Mapping[str, Any]) -> str:
    """The instrument named by a header, upper case, for messages ('UNKNOWN' if none)."""
    for key in _INSTRUMENT_KEYS:
        value = header.get(key)
        if value not in (None, ""):
            return str(value).strip().upper()
    for key, value in header.items():
        if str(key).upper() in _INSTRUMENT_KEYS and value not in (None, ""):
            return str(value).strip().upper()
    return "UNKNOWN"


class LookupFailed(ToolError):
    """The best references of a dataset cannot be computed (its message says why, as CRDS)."""


class _Capture(logging.Handler):
    def __init__(self, messages: list[Message]) -> None:
        super().__init__(logging.DEBUG)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.levelno, record.getMessage(), None))


@contextmanager
def capture_logs(messages: list[Message]) -> Iterator[None]:
    """Send the ``opencrds`` log records made meanwhile to ``messages`` instead of the handlers."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = logger.handlers, logger.propagate
    logger.handlers = [_Capture(messages)]
    logger.propagate = False
    try:
        yield
    finally:
        logger.handlers, logger.propagate = saved


def _children(mapping: Any) -> list[Any]:
    """The child mappings of a context that load; a broken one fails later, per dataset."""
    loaded = []
    for key in getattr(mapping, "selector", {}) if mapping is not None else ():
        try:
            loaded.append(mapping.child(key))
        except CHILD_LOAD_ERRORS:  # reported when a dataset needs it
            continue
    return loaded


class Processor:
    """Computes and compares the best references of datasets under the loaded contexts."""

    def __init__(self, settings: Settings, new: Any = None, old: Any = None) -> None:
        import opencrds

        self.settings = settings
        self.new = new or opencrds.load_context(settings.new_context, cache=settings.cache)
        self.old = old
        if settings.old_context is not None and old is None:
            self.old = opencrds.load_context(settings.old_context, cache=settings.cache)
        self.action = "Updating." if settings.updating else "Would update."

    def preload(self) -> None:
        """Load every imap and rmap of the contexts now (before forking workers share them)."""
        for context in (self.new, self.old):
            for imap in _children(context):
                _children(imap)

    # ---- one dataset ---------------------------------------------------------------------------

    def process(self, source: DatasetSource) -> Outcome:
        """The outcome of one dataset (never raises for a bad dataset)."""
        out = Outcome(source.name)
        with capture_logs(out.messages):
            header = self._header(source, out)
            if header is not None:
                self._process(source, header, out)
        return out

    def _say(self, out: Outcome, level: int, text: str) -> None:
        out.messages.append((level, text, None))

    def _header(self, source: DatasetSource, out: Outcome) -> Header | None:
        header = source.header
        problem = None
        if source.missing:
            problem = "no such dataset id in the parameter files"
        elif source.path is not None:
            from ...io import HeaderError

            try:
                header = {**read_file_header(source.path), **(source.header or {})}
            except HeaderError as exc:  # its message without the file name said again
                kind = f"{exc.kind} " if getattr(exc, "kind", "") else ""
                problem = f"cannot read {kind}header: {getattr(exc, 'problem', exc)}"
        if problem is not None or header is None:
            out.loaded = False
            self._say(out, logging.ERROR, f"Failed loading source {source.name!r} : {problem}")
            return None
        if instrument_of(header) == "UNKNOWN":
            out.loaded = False
            self._say(out, logging.ERROR, load_failure(source.name, source.path is not None))
            return None
        if self.settings.keep_headers:
            out.header = header
        return header

    def _process(self, source: DatasetSource, header: Header, out: Outcome) -> None:
        settings = self.settings
        if settings.file_mode:
            self._say(out, logging.INFO, f"===> Processing {out.name}")
        elif settings.debug:
            self._say(out, logging.DEBUG, f"===> Processing {out.name}")
        out.instrument = instrument_of(header)
        try:
            new = self._lookup(self.new, header, source)
            old: dict[str, Any] | None = None
            if self.old is not None:
                old = self._lookup(self.old, header, source)
            elif settings.compare_source:
                old = self._recorded(header)
        except Exception as exc:  # noqa: BLE001 - boundary: one ERROR per dataset, as crds
            from ..common import one_line

            self._say(out, logging.ERROR, f"Failed processing {out.name!r} : {one_line(exc)}")
            out.failed = True
            return
        if settings.keep_results:
            out.results = dict(sorted(new.items()))
        if old is None:
            self._assign(new, out)
        else:
            self._compare(old, new, out)

    # ---- lookups -------------------------------------------------------------------------------

    def _types(self, context: Any, header: Header) -> list[str] | None:
        """The types to look up (None: every type of the instrument)."""
        settings = self.settings
        if settings.types is None and not settings.skip_types:
            return None
        base = list(settings.types) if settings.types is not None else \
            self._instrument_types(context, header)
        return [t for t in base if t not in settings.skip_types]

    @staticmethod
    def _instrument_types(context: Any, header: Header) -> list[str]:
        from ...rules.conditioning import conditioned_header

        instrument = context.get_instrument(conditioned_header(context, header))
        return context.get_imap(instrument).types()

    def _lookup(self, context: Any, header: Header, source: DatasetSource) -> dict[str, Any]:
        """The results under ``context``; a failure is a :class:`LookupFailed` worded as CRDS."""
        import opencrds

        from ..common import one_line

        try:
            include = self._types(context, header)
            if include is not None and not include:
                return {}
            return opencrds.get_best_references(context, header, include=include)
        except (*LOOKUP_ERRORS, OSError) as exc:
            reason = one_line(exc)
            if self.settings.types is None:  # the types come from the instrument: which failed?
                try:
                    self._instrument_types(context, header)
                except (*LOOKUP_ERRORS, OSError) as first:
                    instrument = instrument_of(header)
                    shown = source.raw if source.raw is not None else header
                    raise LookupFailed(types_failure(
                        source.name, instrument, context.basename, shown,
                        source.path is not None, one_line(first))) from exc
            raise LookupFailed(lookup_failure(source.name, context.basename, reason)) from exc

    def _recorded(self, header: Header) -> dict[str, Any]:
        """The best references recorded in the dataset, for every type of the new context."""
        skip = self.settings.skip_types
        result = {}
        for reftype in self._instrument_types(self.new, header):
            if reftype in skip:
                continue
            result[reftype] = header.get(reftype.upper(), header.get(reftype, "UNDEFINED"))
        return result

    # ---- judging -------------------------------------------------------------------------------

    def _track(self, out: Outcome, reftype: str, message: str) -> None:
        data = display_id(out.name)
        out.messages.append((logging.ERROR, message, (out.instrument, reftype.upper(), data)))

    def _line(self, out: Outcome, reftype: str, text: str, level: int) -> None:
        prefix = message_prefix(out.instrument, reftype.upper(), out.name)
        self._say(out, level, prefix + text)

    def _judge(self, raw: Any, side: str, reftype: str, out: Outcome) -> tuple[str, bool]:
        """``(value, ok)``: a result as compared (lower case), and False if it failed."""
        if not isinstance(raw, str):
            return str(raw), True
        text = raw.strip()
        upper = text.upper()
        if upper.startswith("NOT FOUND N/A"):
            return NA, True
        if upper in _UNDEFINED_LIKE or upper.startswith("NOT FOUND NO MATCH FOUND"):
            if self.settings.undefined_matter:
                self._track(out, reftype, f"{side}: No match found: {raw!r}")
                return text.lower(), self._survives(side, out)
            if self.settings.debug:
                self._line(out, reftype, f"{side}: No match found: {raw!r}  => 'N/A'.",
                           logging.DEBUG)
            return NA, True
        if upper.startswith("NOT FOUND"):
            self._track(out, reftype, f"{side}: Bestref FAILED: {raw.lstrip()[9:]}")
            return text.lower(), self._survives(side, out)
        return text.rsplit("$", 1)[-1].removeprefix("crds://").lower(), True

    @staticmethod
    def _survives(side: str, out: Outcome) -> bool:
        """After a failed lookup: a failed new one takes the dataset out of the affected ones
        and is no update; a failed old one is compared as its lower-case text, as CRDS does."""
        if side == "New":
            out.failed = True
            return False
        return True

    def _assign(self, new: Mapping[str, Any], out: Outcome) -> None:
        """No comparison: every good result is an update."""
        for reftype in sorted(new):
            value, ok = self._judge(new[reftype], "New", reftype, out)
            if not ok and not self.settings.update_pickle:
                continue
            if self.settings.debug:
                self._line(out, reftype, f"Bestref FOUND: {value!r} :: {self.action}",
                           logging.DEBUG)
            out.updates.append((reftype, None, value))

    def _compare(self, old: Mapping[str, Any], new: Mapping[str, Any], out: Outcome) -> None:
        """Compare old and new results type by type; differences are updates."""
        settings = self.settings
        for reftype in sorted(set(old) | set(new)):
            old_value, _ = self._judge(old.get(reftype, "UNDEFINED"), "Old", reftype, out)
            new_value, ok = self._judge(new.get(reftype, "UNDEFINED"), "New", reftype, out)
            if not ok and not settings.update_pickle:
                continue
            if old_value == new_value:
                if settings.debug:
                    self._line(out, reftype, f"Lookup MATCHES: {new_value!r} :: No update.",
                               logging.DEBUG)
                continue
            change = f"{old_value!r} --> {new_value!r} :: {self.action}"
            if settings.differences_are_errors:
                if settings.na_matter or NA not in (old_value, new_value):
                    self._track(out, reftype, f"Comparison difference: {change}")
            elif settings.show_changes or settings.debug:
                level = logging.INFO if settings.show_changes else logging.DEBUG
                self._line(out, reftype, f"New best reference: {change}", level)
            out.updates.append((reftype, old_value, new_value))

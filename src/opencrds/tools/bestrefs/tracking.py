"""Tracked errors of ``opencrds bestrefs`` (TOOLS.md §1.4): classes, limits and reports.

A tracked error belongs to the class (instrument, TYPE, message); its line names the dataset:
``instrument='ACS' type='DARKFILE' data='x.fits' ::  <message>``. After
``--max-errors-per-class`` errors of one class the rest are counted but not logged (CRDS logs
the first N-1 and announces the suppression at the N-th). Untracked errors (files that cannot
be read, unknown instruments) are ordinary ERROR lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..common import ToolError, log
from ..output import write_text_atomic


def display_id(dataset_id: str) -> str:
    """The dataset id shown in tracked errors: ``X`` for ``X:X``, else the id itself."""
    product, colon, exposure = dataset_id.partition(":")
    return product if colon and product == exposure else dataset_id


def message_prefix(instrument: str, reftype: str, data: str) -> str:
    """``instrument='ACS' type='BIASFILE' data='x' ::  `` (the CRDS tracked-message prefix)."""
    return f"instrument={instrument!r} type={reftype!r} data={data!r} ::  "


@dataclass
class _ErrorClass:
    first_line: str
    first_data: str
    count: int = 0
    recorded: list[str] = field(default_factory=list)


@dataclass
class ErrorTracker:
    """Logs tracked errors and keeps the per-class counts for the final reports."""

    max_per_class: int = 500
    delimiter: str | None = None
    classes: dict[tuple[str, str, str], _ErrorClass] = field(default_factory=dict)
    suppressed: int = 0
    tracked: int = 0

    def error(self, instrument: str, reftype: str, data: str, message: str,
              *, allow: bool = False) -> None:
        """Log a tracked error (or, with ``allow``, the warning form of it)."""
        instrument, reftype = instrument.upper(), reftype.upper()
        if allow:
            log.warning("For %s %s %s %s", data, instrument, reftype.lower(), message)
            return
        if self.delimiter is not None:
            d = self.delimiter
            line = f"{d} {instrument} {d} {reftype} {d} {data} {d} {message}"
        else:
            line = message_prefix(instrument, reftype, data) + message
        key = (instrument, reftype, message)
        entry = self.classes.get(key)
        if entry is None:
            entry = self.classes[key] = _ErrorClass(line, data)
        entry.count += 1
        self.tracked += 1
        if entry.count <= self.max_per_class:
            entry.recorded.append(data)
        if entry.count < self.max_per_class:
            log.error("%s", line)
            return
        self.suppressed += 1
        if entry.count == self.max_per_class:
            log.info("Max error count %d exceeded for: %s %s %s suppressing remaining error "
                     "messages.", self.max_per_class, instrument, reftype, message)

    def reported(self, threshold: int) -> list[tuple[tuple[str, str, str], _ErrorClass]]:
        """The classes with at least ``threshold`` errors, sorted by class."""
        return sorted((k, v) for k, v in self.classes.items() if v.count >= threshold)

    def dump(self, threshold: int, total_errors: int) -> None:
        """The ``--dump-unique-errors`` report (INFO lines)."""
        classes = self.reported(threshold)
        if threshold > 1:
            log.info("Limiting error class reporting to cases with at least %d instances.",
                     threshold)
        log.info("%s unique error classes %s", "=" * 20, "=" * 20)
        for _key, entry in classes:
            log.info("%06d errors like:: %s", entry.count, entry.first_line)
        log.info("All unique error types: %d", len(classes))
        log.info("Untracked errors: %d", max(total_errors - self.tracked, 0))
        log.info("%s", " ".join(["=" * 20] * 3))

    def write_files(self, threshold: int, unique_file: str | None, all_file: str | None) -> None:
        """The ``--unique-errors-file`` and ``--all-errors-file`` id lists (sorted)."""
        classes = self.reported(threshold)
        if unique_file:
            _write_ids(unique_file, {entry.first_data for _k, entry in classes})
        if all_file:
            _write_ids(all_file, {data for _k, entry in classes for data in entry.recorded})


def _write_ids(path: str, ids: set[str]) -> None:
    try:
        write_text_atomic(path, "".join(f"{name}\n" for name in sorted(ids)))
    except OSError as exc:
        raise ToolError(f"cannot write '{path}': {exc.strerror or exc}") from None

"""What one run of submission processing works on: the staged files and their messages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencrds.rules.errors import CrdsError


class ProcessingError(CrdsError):
    """Submission processing cannot go on (the submission FAILs)."""


@dataclass
class StagedFile:
    """One uploaded file: where it is, what it is, what it will be called, what was found."""

    uploaded: str
    source: Path
    name: str = ""
    path: Path | None = None
    instrument: str = ""
    filekind: str = ""
    extension: str = ""
    sha1sum: str = ""
    size: int = 0
    keep_name: bool = False
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = self.name or self.uploaded
        self.path = self.path or self.source
        if self.source.is_file() and not self.sha1sum:
            with open(self.source, "rb") as stream:
                self.sha1sum = hashlib.file_digest(stream, "sha1").hexdigest()
            self.size = self.source.stat().st_size

    def error(self, message: str) -> None:
        self.log.append(f"ERROR - {message}")

    def warning(self, message: str) -> None:
        self.log.append(f"WARNING - {message}")

    def info(self, message: str) -> None:
        self.log.append(f"INFO - {message}")

    @property
    def errors(self) -> int:
        return sum(1 for line in self.log if line.startswith("ERROR"))

    @property
    def status(self) -> str:
        """``OK``, ``Warnings`` or ``ERRORS`` (the review page's verdict)."""
        if self.errors:
            return "ERRORS"
        return "Warnings" if any(line.startswith("WARNING") for line in self.log) else "OK"

    def as_result(self) -> dict[str, Any]:
        return {"uploaded": self.uploaded, "name": self.name, "status": self.status,
                "instrument": self.instrument, "filekind": self.filekind,
                "sha1sum": self.sha1sum, "size": self.size, "log": list(self.log)}


@dataclass
class Work:
    """The state of one processing run, turned into ``Submission.result`` at its end."""

    observatory: str
    starting_context: str
    compare_old_reference: bool = True
    files: list[StagedFile] = field(default_factory=list)
    mapping_files: list[StagedFile] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)  # name -> text
    new_context: str = ""
    changes: list[Any] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.errors for f in self.files + self.mapping_files)

    def result(self) -> dict[str, Any]:
        """The RESULT SHAPE of ``Submission.result``."""
        return {
            "starting_context": self.starting_context,
            "new_context": self.new_context,
            "files": [f.as_result() for f in self.files + self.mapping_files],
            "generated": list(self.generated),
            "diffs": self.diffs,
            "collisions": self.collisions,
            "errors": self.errors,
            "warnings": self.warnings,
            **self.extra,
        }

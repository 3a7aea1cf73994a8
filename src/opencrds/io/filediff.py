"""Differences of two non-mapping files for ``opencrds diff`` (TOOLS.md §2.5).

FITS files: astropy's FITSDiff report, followed for differing files by the row differences of
their table extensions (as ``crds diff`` appends ``crds rowdiff``'s report). JSON, YAML and
ASDF files: a UNIX context diff of their text. Other files cannot be compared.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime

_TEXT_EXTENSIONS = (".json", ".yaml", ".yml", ".asdf")
_FITS_EXTENSIONS = (".fits", ".fit", ".fts")


@dataclass
class FileDiff:
    """The report of two files; ``comparable`` is False when their type has no differ."""

    text: str
    different: bool
    comparable: bool = True


def _read(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as stream:
        return stream.read().splitlines(True)


def text_diff(old: str, new: str, *, gnu: bool = False) -> list[str]:
    """A UNIX context diff of two text files, stamped with their modification times.

    ``gnu``: the report of GNU ``diff -c`` as ``crds diff -T`` prints it (run when the program
    is installed; otherwise difflib's hunks with GNU's nanosecond local-time stamps).
    """
    if gnu and shutil.which("diff"):
        done = subprocess.run(["diff", "-c", old, new], capture_output=True, text=True,
                              errors="replace", check=False)
        if done.returncode in (0, 1):
            return done.stdout.splitlines(True)

    def stamp(path: str) -> str:
        if not gnu:
            return time.ctime(os.path.getmtime(path))
        nanoseconds = os.stat(path).st_mtime_ns
        when = datetime.fromtimestamp(nanoseconds // 10**9).astimezone()
        return f"{when:%Y-%m-%d %H:%M:%S}.{nanoseconds % 10**9:09d} {when:%z}"
    return list(difflib.context_diff(_read(old), _read(new), old, new, stamp(old), stamp(new)))


def file_kind(path: str) -> str:
    """'fits', 'text' or 'unknown', from the name."""
    lowered = path.lower()
    if lowered.endswith(_FITS_EXTENSIONS):
        return "fits"
    if lowered.endswith(_TEXT_EXTENSIONS):
        return "text"
    return "unknown"


def fits_diff(old: str, new: str) -> FileDiff:
    """FITSDiff report, plus the table row differences when the files differ."""
    from astropy.io.fits import FITSDiff

    report = FITSDiff(old, new)
    if report.identical:
        return FileDiff("", False)
    text = report.report()
    try:
        from .rowdiff import format_result, row_diff

        rows = format_result(row_diff(old, new))
    except Exception:  # rows are extra information: a table that cannot be read adds nothing
        rows = ""
    if rows.strip():
        text = text.rstrip("\n") + "\n\n " + rows + "\n"
    return FileDiff(text, True)


def diff_files(old: str, new: str) -> FileDiff:
    """The differences of two reference (or other non-mapping) files."""
    kinds = {file_kind(old), file_kind(new)}
    if kinds == {"fits"}:
        return fits_diff(old, new)
    if kinds == {"text"}:
        lines = text_diff(old, new)
        return FileDiff("".join(lines), bool(lines))
    return FileDiff("", False, comparable=False)

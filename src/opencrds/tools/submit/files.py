"""The files of a submission: ``--files`` words (``@list`` files expanded) checked to exist,
and the one instrument they all belong to, which the login locks (PROTOCOL.md §7.3 step 2)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from ...client.wordlists import expand_words
from ...rules.errors import CrdsError
from ...rules.naming import is_mapping, properties_from_reference_name, split_mapping_name

log = logging.getLogger("opencrds")

#: The login's instrument when the files have none or several.
NO_INSTRUMENT = "none"


class SubmissionFilesError(CrdsError):
    """A file to submit is missing, not a file, or named twice."""


def submission_files(words: Iterable[str]) -> list[Path]:
    """The files named by ``words``; SubmissionFilesError for a missing one or two files of
    the same name (the upload area is flat)."""
    paths: list[Path] = []
    seen: dict[str, Path] = {}
    for word in expand_words(words, "file list"):
        path = Path(word)
        if not path.is_file():
            raise SubmissionFilesError(f"File to submit '{word}' does not exist or is not a file")
        if path.name in seen:
            raise SubmissionFilesError(f"Two files to submit are named '{path.name}': "
                                       f"'{seen[path.name]}' and '{word}'")
        seen[path.name] = path
        paths.append(path)
    if not paths:
        raise SubmissionFilesError("No files to submit: give --files")
    return paths


def _mapping_instrument(path: Path) -> str | None:
    from ...rules.parser import parse_mapping_text

    try:
        header = parse_mapping_text(path.read_text(encoding="utf-8"), path.name).header
    except Exception as exc:  # an unparsable mapping has no instrument; certify reports it
        log.debug("Cannot read the header of '%s': %s", path, exc)
        header = {}
    value = header.get("instrument")
    if value:
        return str(value)
    try:
        return split_mapping_name(path.name).instrument
    except ValueError:
        return None


def _reference_instrument(path: Path) -> str | None:
    from ...io import read_header
    from ...io.crossstrap import header_instrument

    try:
        value = header_instrument(read_header(path))
    except Exception as exc:  # an unreadable reference has no instrument; certify reports it
        log.debug("Cannot read the header of '%s': %s", path, exc)
        value = None
    if value and value.upper() not in ("UNDEFINED", "N/A", ""):
        return value
    try:
        return properties_from_reference_name(path.name).instrument
    except ValueError:
        return None


def file_instrument(path: Path) -> str | None:
    """The instrument of a reference (its header, else its name) or mapping (its header's
    ``instrument``, else its name); None for a pipeline mapping or when unknown."""
    found = _mapping_instrument(path) if is_mapping(path.name) else _reference_instrument(path)
    return found.lower() if found else None


def common_instrument(paths: Iterable[Path]) -> str:
    """The single instrument of all ``paths``, else ``"none"``."""
    instruments = {file_instrument(path) for path in paths}
    if len(instruments) == 1 and None not in instruments:
        return str(instruments.pop())
    return NO_INSTRUMENT

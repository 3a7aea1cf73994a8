"""Which reader a file needs: by name first, then by its first bytes."""

from __future__ import annotations

import json
import os
import re

from .errors import HeaderError

FITS, GEIS, ASDF, JSON, YAML = "FITS", "GEIS", "ASDF", "JSON", "YAML"
FILE_FORMATS = (FITS, GEIS, ASDF, JSON, YAML)

_BY_EXTENSION = {
    ".fits": FITS, ".fit": FITS, ".fts": FITS,
    ".asdf": ASDF,
    ".json": JSON,
    ".yaml": YAML, ".yml": YAML,
}
# GEIS: a text header ``.??h`` (``.r1h``, ``.c0h``, ``.d0h`` ...) beside its binary data ``.??d``.
_GEIS_HEADER = re.compile(r"\.[a-z0-9]{2}h$", re.IGNORECASE)
_GEIS_DATA = re.compile(r"\.[a-z0-9]{2}d$", re.IGNORECASE)
_SNIFF_BYTES = 2880
_SIMPLE = b"SIMPLE  ="


def geis_header_path(path: str) -> str:
    """The text header of a GEIS file named by its header or data part (``x.r1d`` -> ``x.r1h``)."""
    if _GEIS_DATA.search(path):
        return path[:-1] + ("H" if path[-1] == "D" else "h")
    return path


def _sniff(path: str, head: bytes) -> str:
    """The format of a file with an unhelpful name, from its first bytes (or whole text)."""
    if head.startswith(b"#ASDF"):
        return ASDF
    if head.startswith(_SIMPLE):
        # FITS cards are 80 bytes with no line breaks; a GEIS header is a text file of lines.
        return GEIS if b"\n" in head[:81] else FITS
    if b"\x00" in head:  # binary, and neither FITS nor ASDF
        raise HeaderError(path, "unknown file type")
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError):
        raise HeaderError(path, "unknown file type") from None
    try:
        json.loads(text)
        return JSON
    except ValueError:
        pass
    import yaml

    try:
        yaml.safe_load(text)
        return YAML
    except yaml.YAMLError:
        raise HeaderError(path, "unknown file type") from None


def detect_format(path: str | os.PathLike[str]) -> tuple[str, str]:
    """``(format, path to read)``: format is one of :data:`FILE_FORMATS`.

    A GEIS data file (``.r1d``) is read through its header (``.r1h``). Names with other
    extensions are recognized by content.  Raises :class:`HeaderError` for a missing file or
    one that is none of the known formats.
    """
    name = os.fspath(path)
    lowered = name.lower()
    for extension, kind in _BY_EXTENSION.items():
        if lowered.endswith(extension):
            return kind, name
    if _GEIS_HEADER.search(name) or _GEIS_DATA.search(name):
        return GEIS, geis_header_path(name)
    try:
        with open(name, "rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise HeaderError(name, "no such file") from None
    except OSError as exc:
        raise HeaderError(name, exc.strerror or str(exc)) from None
    return _sniff(name, head), name

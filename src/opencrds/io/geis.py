"""GEIS headers (``.r1h``, ``.c0h`` ...): the text header of a GEIS file, parsed as CRDS does.

A GEIS header is plain text, one 80-column card per line. The reference client parses it
line by line, not as FITS:

* a line starting with ``HISTORY`` adds its text (after the word, stripped) to ``HISTORY``,
  which is always present, lines joined by newlines, after every other keyword;
* a ``/`` in column 32 (the standard comment position) ends the value; a ``/`` anywhere else
  is part of it;
* otherwise a line with ``=`` gives ``KEY = value``: the key is the text before the first ``=``,
  stripped and upper-cased; the value is the rest, stripped, and unquoted only when it both
  starts and ends with ``'`` (the text inside is stripped; ``''`` is not unescaped);
* values are kept as written (``0.``, ``T``), not converted; a repeated key keeps its last value;
* lines without ``=`` (``COMMENT``, blank and ``END`` cards) are ignored.
"""

from __future__ import annotations

from .errors import HeaderError

KIND = "GEIS"
_COMMENT_COLUMN = 31  # 0-based index of column 32


def parse_geis_text(text: str) -> dict[str, str]:
    """The header of GEIS header text."""
    header: dict[str, str] = {}
    history: list[str] = []
    for line in text.splitlines():
        if line.startswith("HISTORY"):
            history.append(line[7:].strip())
            continue
        if line[_COMMENT_COLUMN:_COMMENT_COLUMN + 1] == "/":
            line = line[:_COMMENT_COLUMN]
        key, equals, value = line.partition("=")
        if not equals:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
            value = value[1:-1].strip()
        header[key.strip().upper()] = value
    header["HISTORY"] = "\n".join(history)
    return header


def read_geis_header(path: str, needed: object = None) -> dict[str, str]:
    """The header of a GEIS text header file; :class:`HeaderError` when it is not one."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except FileNotFoundError:
        raise HeaderError(path, "no such file", KIND) from None
    except OSError as exc:
        raise HeaderError(path, exc.strerror or str(exc), KIND) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeaderError(path, f"not a text header ({exc})", KIND) from None
    if "\x00" in text:
        raise HeaderError(path, "not a text header (binary content)", KIND)
    header = parse_geis_text(text)
    if len(header) == 1 and not header["HISTORY"]:
        raise HeaderError(path, "no 'KEY = value' cards", KIND)
    return header

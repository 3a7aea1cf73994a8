"""``opencrds checksum``: add, verify or (FITS only) remove checksums (TOOLS.md §2.10).

Mappings: *add* rewrites the mapping in canonical form with its ``sha1sum`` (RULES.md §7, §9),
as crds does; *verify* recomputes it.
FITS references: CHECKSUM/DATASUM are added, removed or verified through astropy.
Each bad file gives one ERROR line and the run goes on; the exit status is the error count.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import warnings

from ..rules.checksum import verify_checksum
from ..rules.errors import CrdsError
from ..rules.naming import is_mapping
from ..rules.parser import ParsedMapping, SelectorCall, parse_mapping_text
from ..rules.writer import write_parsed_with_checksum
from .common import count, log
from .output import write_text_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds checksum``."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="mapping or FITS files (bare name = current directory)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--remove", action="store_true",
                        help="remove checksums (FITS only; mappings cannot lose theirs)")
    action.add_argument("--verify", action="store_true",
                        help="verify checksums instead of adding them")


def local_path(name: str) -> str:
    """A file argument as CRDS tools show it: a bare name means ``./name``."""
    return name if os.path.dirname(name) else os.path.join(".", name)


def read_text(path: str) -> str:
    """The text of ``path`` with universal newlines."""
    with open(path, encoding="utf-8", newline=None) as stream:
        return stream.read()


def mapping_add(path: str) -> None:
    """Rewrite mapping ``path`` in canonical form with its sha1sum, as crds does: a missing
    ``sha1sum`` is added, ``#`` comments and hand formatting are not kept. A mapping with a
    key written twice gets one ERROR per duplicate and is left as it is."""
    text = read_text(path)
    parsed = parse_mapping_text(text, os.path.basename(path))
    duplicates = duplicate_messages(text, parsed)
    for message in duplicates:
        log.error("%s", message)
    if not duplicates:
        check_header(parsed)
        write_text_atomic(path, write_parsed_with_checksum(parsed))


class MissingKey(CrdsError, ValueError):
    """A header key the mapping cannot be loaded without (shown as crds shows it)."""


def check_header(parsed: ParsedMapping) -> None:
    """Raise :class:`MissingKey` for the first header key crds needs to load the mapping."""
    if parsed.filename.endswith(".rmap") and "parkey" not in parsed.header:
        raise MissingKey("'parkey'")  # an rmap's selector needs it before the header check
    for key in ("mapping", "parkey", "name", "derived_from"):
        if key not in parsed.header:
            raise MissingKey(f"Required header key '{key}' is missing.")


def duplicate_messages(text: str, parsed: ParsedMapping) -> list[str]:
    """``Duplicate entry at <where> <key> = <second> vs. <first>`` for every key written twice
    (the parser keeps the last one); a nested selector's value is shown by its class name."""
    from ..certify.duplicates import find_duplicates

    lines = text.splitlines()
    messages = []
    for dup in find_duplicates(text):
        path = [part for i, part in enumerate(dup.path) if not i or part != dup.path[i - 1]]
        if path[:1] == ["header"]:
            where = f"header {dup.key!r}"
        else:
            where = " ".join(["selector", *_enclosing(parsed.selector, path[1:]), repr(dup.key)])
        second, first = (_entry_value(lines[n - 1]) for n in (dup.line, dup.first_line))
        messages.append(f"Duplicate entry at {where} = {second} vs. {first}")
    return messages


def _enclosing(selector: object, keys: list[str]) -> list[str]:
    """``Class(key)`` for each selector level around a duplicate, from the keys' reprs."""
    found = []
    for key_text in keys:
        if not isinstance(selector, SelectorCall):
            break
        found.append(f"{selector.class_name}({key_text})")
        try:
            key = ast.literal_eval(key_text)
        except (ValueError, SyntaxError):
            break
        selector = selector.entries.get(key)
    return found


def _entry_value(line: str) -> str:
    """The value of one ``key : value,`` line: the repr of a literal, or the class name of a
    nested selector (``UseAfter({``)."""
    nested = re.search(r":\s*([A-Za-z_]\w*)\(\{\s*$", line)
    if nested:
        return nested[1]
    try:
        (value,) = ast.literal_eval("{" + line.strip().rstrip(",") + "}").values()
    except (ValueError, SyntaxError, TypeError):
        return line.split(":", 1)[-1].strip().rstrip(",")
    return repr(value)


def mapping_verify(path: str) -> None:
    """Raise ChecksumError when the sha1sum of mapping ``path`` is wrong."""
    text = read_text(path)
    parsed = parse_mapping_text(text, os.path.basename(path))
    verify_checksum(text, parsed.header, path)


def fits_operation(path: str, operation: str) -> None:
    """Add, remove or verify FITS CHECKSUM/DATASUM of every HDU."""
    from astropy.io import fits

    if operation == "verify":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with fits.open(path, checksum=True) as hdus:
                for hdu in hdus:
                    hdu.verify_checksum()
                    hdu.verify_datasum()
        for warning in caught:
            if "checksum" in str(warning.message).lower():
                raise ValueError(str(warning.message))
        return
    with fits.open(path, mode="update") as hdus:
        for hdu in hdus:
            if operation == "add":
                hdu.add_checksum()
            else:
                for keyword in ("CHECKSUM", "DATASUM"):
                    hdu.header.remove(keyword, ignore_missing=True)


def process(name: str, operation: str) -> None:
    """Do ``operation`` ('add', 'remove', 'verify') on one file."""
    path = local_path(name)
    verb = {"add": "Adding", "remove": "Removing", "verify": "Verifying"}[operation]
    log.info("%s checksum for '%s'", verb, path)
    if is_mapping(path):
        if operation == "remove":
            raise ValueError(f"Mapping checksums cannot be removed for: '{path}'")
        (mapping_verify if operation == "verify" else mapping_add)(path)
    elif path.lower().endswith(".fits"):
        fits_operation(path, operation)
    else:
        raise ValueError(f"File '{path}' does not appear to be a CRDS reference or mapping file.")


def run(args: argparse.Namespace) -> int:
    """Process every file; return the number of errors."""
    operation = "remove" if args.remove else "verify" if args.verify else "add"
    for name in args.files:
        try:
            process(name, operation)
        except Exception as exc:  # one error per bad file, then go on
            if getattr(args, "debug_traceback", False):
                raise
            log.error("Checksum operation FAILED : %s", _message(exc))
    return count("ERROR")


def _message(exc: BaseException) -> str:
    """An exception as one line."""
    from .common import one_line

    if isinstance(exc, MissingKey):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: '{exc.filename}'"
    return one_line(exc)

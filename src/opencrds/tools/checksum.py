"""``opencrds checksum``: add, verify or (FITS only) remove checksums (TOOLS.md §2.10).

Mappings: *add* rewrites only the ``sha1sum`` line (RULES.md §7); *verify* recomputes it.
FITS references: CHECKSUM/DATASUM are added, removed or verified through astropy.
Each bad file gives one ERROR line and the run goes on; the exit status is the error count.
"""

from __future__ import annotations

import argparse
import os
import warnings

from ..rules.checksum import update_checksum, verify_checksum
from ..rules.naming import is_mapping
from ..rules.parser import parse_mapping_text
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
    """Set the sha1sum of mapping ``path``; nothing but that line changes."""
    text = read_text(path)
    parse_mapping_text(text, os.path.basename(path))
    write_text_atomic(path, update_checksum(text))


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

    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: '{exc.filename}'"
    return one_line(exc)

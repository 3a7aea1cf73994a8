"""Dataset and reference headers: read FITS, GEIS, ASDF, JSON and YAML; write HST bestrefs.

:func:`read_header` returns what the reference client's ``data_file.get_header`` returns: a
flat ``{KEYWORD: "string value"}`` dictionary (see the reader modules for each format's rules),
JWST headers completed with their FITS/data-model synonyms (:mod:`.crossstrap`), and
``FILE_FORMAT`` naming the format. :func:`write_bestrefs` records best references in an HST
FITS primary header like ``crds bestrefs --update-bestrefs``. Every failure is a
:class:`HeaderError` with a one-line message naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from .bestrefs_writer import iraf_prefix, reference_value, write_bestrefs
from .crossstrap import cross_strap, is_jwst_header
from .errors import BestrefsWriteError, HeaderError
from .formats import ASDF, FILE_FORMATS, FITS, GEIS, JSON, detect_format

__all__ = [
    "FILE_FORMATS",
    "BestrefsWriteError",
    "HeaderError",
    "detect_format",
    "iraf_prefix",
    "read_header",
    "reference_value",
    "write_bestrefs",
]

UNDEFINED = "UNDEFINED"


def _reader(kind: str) -> Callable[[str, tuple[str, ...] | None], dict[str, str]]:
    if kind == FITS:
        from .fits import read_fits_header

        return read_fits_header
    if kind == GEIS:
        from .geis import read_geis_header

        return read_geis_header
    if kind == ASDF:
        from .asdf_headers import read_asdf_header

        return read_asdf_header
    from .text_headers import read_json_header, read_yaml_header

    return read_json_header if kind == JSON else read_yaml_header


def restrict(header: dict[str, str], needed: tuple[str, ...]) -> dict[str, str]:
    """Only the ``needed`` keys, in header order, then the missing ones as ``UNDEFINED``."""
    wanted = set(needed)
    result = {key: value for key, value in header.items() if key in wanted}
    for key in needed:
        result.setdefault(key, UNDEFINED)
    return result


def read_header(path: str | os.PathLike[str], needed_keys: Iterable[str] | None = None,
                observatory: str | None = None) -> dict[str, str]:
    """The flat header of a dataset or reference file, every value a string.

    ``needed_keys`` (any case) restricts the result to those keys, missing ones being
    ``UNDEFINED``; as in the reference client the restriction comes *before* the JWST
    synonyms are added, so ask for FITS names to get FITS values. ``FILE_FORMAT`` is always
    added. ``observatory`` is accepted for compatibility and does not change the result: as
    in the reference client the header's own instrument decides the JWST completion.

    Raises :class:`HeaderError` (one line, naming the file) for a missing, unreadable,
    corrupt or unknown file.
    """
    name = os.fspath(path)
    if isinstance(needed_keys, str):
        needed_keys = (needed_keys,)
    needed = tuple(dict.fromkeys(str(key).upper() for key in needed_keys or ()))
    kind, source = detect_format(name)
    try:
        header = _reader(kind)(source, needed or None)
    except HeaderError:
        raise
    except Exception as exc:  # a reader bug must still not leak a traceback to users
        raise HeaderError(name, f"{type(exc).__name__}: {exc}", kind) from None
    if needed:
        header = restrict(header, needed)
    if is_jwst_header(header):
        cross_strap(header)
    header["FILE_FORMAT"] = kind
    return header

"""Writing best references into HST FITS datasets, as ``crds bestrefs --update-bestrefs`` does.

The primary header gets ``CRDS_CTX`` (the context) and ``CRDS_VER`` (the software version) when
given, then one keyword per reference type, in sorted order: the upper-case type name set to
``N/A``, or to the lower-case reference file name behind the instrument's IRAF-style prefix
(``BIASFILE = 'jref$m4r1753rj_bia.fits'``; the prefixes are data/iraf_prefixes.json). An existing
keyword keeps its place and comment; a new one is added at the end of the header, without a
comment. Nothing else in the file changes: the data is copied byte for byte.

The update is atomic: the new file is written beside the old one and renamed over it, so a
failure leaves the dataset as it was.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import stat
from collections.abc import Mapping
from importlib import resources

from ..atomic import write_bytes_atomic
from ..observatories import conventions_for
from .errors import BestrefsWriteError

NOT_APPLICABLE = "N/A"
_NA_FORMS = ("N/A", "NOT FOUND N/A")
_COPY_CHUNK = 1 << 20


@functools.cache
def _prefixes() -> dict[str, dict[str, str]]:
    data = resources.files(__package__).joinpath("data", "iraf_prefixes.json")
    with data.open(encoding="utf-8") as stream:
        table = json.load(stream)
    return {key: value for key, value in table.items() if isinstance(value, dict)}


def iraf_prefix(instrument: str, observatory: str = "hst") -> str | None:
    """The IRAF directory prefix of an instrument's references (``acs`` -> ``jref``), if any."""
    table = _prefixes().get(observatory.lower(), {})
    name = instrument.strip().lower()
    # an observatory nobody registered gets the default conventions: no aliases
    name = conventions_for(observatory.lower()).instrument_aliases.get(name, name)
    return table.get(name)


def reference_value(reference: str, instrument: str | None, observatory: str = "hst") -> str:
    """The header value recording ``reference``: ``N/A`` or ``<prefix>$<name>`` (lower case).

    A ``crds://`` or IRAF prefix already on the name is replaced.
    """
    text = reference.strip()
    if text.upper() in _NA_FORMS:
        return NOT_APPLICABLE
    name = text.removeprefix("crds://").rsplit("$", 1)[-1].lower()
    prefix = iraf_prefix(instrument, observatory) if instrument else None
    return f"{prefix}${name}" if prefix else name


def _replace_file(path: str, header_bytes: bytes, data_offset: int) -> None:
    """Write ``header_bytes`` + the original bytes from ``data_offset`` on, then rename over
    (the file keeps its permission bits)."""
    with open(path, "rb") as original:
        mode = stat.S_IMODE(os.fstat(original.fileno()).st_mode)
        original.seek(data_offset)
        rest = iter(functools.partial(original.read, _COPY_CHUNK), b"")
        write_bytes_atomic(path, itertools.chain([header_bytes], rest), mode=mode)


def write_bestrefs(path: str | os.PathLike[str], updates: Mapping[str, str], *,
                   context: str | None = None, crds_version: str | None = None,
                   instrument: str | None = None,
                   observatory: str = "hst") -> dict[str, str]:
    """Record best references in the primary header of the FITS dataset ``path``.

    ``updates`` maps reference types (``biasfile``) to reference names
    (``m4r1753rj_bia.fits``) or ``N/A``. ``context`` and ``crds_version`` become ``CRDS_CTX``
    and ``CRDS_VER``. The prefix comes from ``instrument``, by default the dataset's
    ``INSTRUME``. Returns the keywords written and their values.

    Raises :class:`BestrefsWriteError` (the file unchanged) when the file cannot be read as
    FITS or cannot be replaced.
    """
    from astropy.io import fits

    name = os.fspath(path)
    target = os.path.realpath(name)
    if not os.path.isfile(target):
        raise BestrefsWriteError(name, "no such file")
    if not os.access(target, os.W_OK):
        raise BestrefsWriteError(name, "the file is not writable")
    try:
        with open(target, "rb") as stream:
            header = fits.Header.fromfile(stream, endcard=True, padding=True)
            data_offset = stream.tell()
    except Exception as exc:  # noqa: BLE001 - boundary: astropy's errors of every kind
        raise BestrefsWriteError(name, f"cannot read its FITS primary header ({exc})") from None
    if "SIMPLE" not in header:
        raise BestrefsWriteError(name, "not a FITS file (no SIMPLE card)")
    if instrument is None:
        instrument = str(header.get("INSTRUME", "")).strip() or None
    written: dict[str, str] = {}
    if context is not None:
        written["CRDS_CTX"] = context
    if crds_version is not None:
        written["CRDS_VER"] = crds_version
    for reftype in sorted(updates, key=str.upper):
        written[reftype.upper()] = reference_value(updates[reftype], instrument, observatory)
    try:
        for keyword, value in written.items():
            header[keyword] = value
        header_bytes = header.tostring(padding=True).encode("ascii")
        _replace_file(target, header_bytes, data_offset)
    except Exception as exc:  # noqa: BLE001 - boundary: astropy's and the file system's errors
        raise BestrefsWriteError(name, str(exc) or type(exc).__name__) from None
    return written

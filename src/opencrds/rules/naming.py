"""Names of mappings and reference files (RULES.md §8).

Everything here is purely syntactic: whether an instrument or filekind is known to an
observatory is for the caller to check against the observatory definitions. Which prefixes
make a CRDS-style name is the registry's (:func:`.conventions.registered_observatories`,
filled when ``opencrds.observatories`` is imported).
"""

from __future__ import annotations

import fnmatch
import logging
import posixpath
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, NamedTuple

from .conventions import registered_observatories
from .errors import CrdsError

log = logging.getLogger(__name__)

MappingKind = Literal["pipeline", "instrument", "reference"]
NameClass = Literal["crds", "oldcdbs", "newcdbs"]

_OBS = r"(?P<observatory>[a-z]{2,9})"
_INSTR = r"(?P<instrument>[a-z][a-z0-9]{1,16})"
_KIND = r"(?P<filekind>[a-z][a-z0-9\-]{1,32})"
_SERIAL = r"(?:_(?P<serial>\d+))"

#: Mapping names per extension; the serial (any number of digits) is optional.
PIPELINE_NAME_RE = re.compile(rf"{_OBS}{_SERIAL}?\.pmap")
INSTRUMENT_NAME_RE = re.compile(rf"{_OBS}_{_INSTR}{_SERIAL}?\.imap")
REFERENCE_MAPPING_NAME_RE = re.compile(rf"{_OBS}_{_INSTR}_{_KIND}{_SERIAL}?\.rmap")
#: Any mapping name, serial optional / required.
MAPPING_NAME_RE = re.compile(
    rf"{_OBS}(?:_{_INSTR}(?:_{_KIND})?)?{_SERIAL}?\.(?P<ext>[pir]map)"
)
MAPPING_NAME_WITH_SERIAL_RE = re.compile(
    rf"{_OBS}(?:_{_INSTR}(?:_{_KIND})?)?{_SERIAL}\.(?P<ext>[pir]map)"
)
#: CRDS-style reference file names, e.g. ``jwst_nircam_dark_0040.fits``.
CRDS_REFERENCE_NAME_RE = re.compile(
    rf"{_OBS}_{_INSTR}_{_KIND}{_SERIAL}?(?P<ext>\.[A-Za-z0-9]+)"
)
#: Reference extensions (case-insensitive): .fits .asdf .json .yaml .text and GEIS .rNh/.rNd.
REFERENCE_EXT_RE = re.compile(r"\.(?:fits|asdf|json|yaml|text|r\d[hd])", re.IGNORECASE)
#: HST new-style (timestamp) CDBS names: a digit, 8 more characters, ``_suffix.ext``.
NEW_CDBS_NAME_RE = re.compile(r"\d[a-z0-9]{8}_[a-z0-9]+\.\w+", re.IGNORECASE)

_KIND_BY_EXT: dict[str, MappingKind] = {
    ".pmap": "pipeline",
    ".imap": "instrument",
    ".rmap": "reference",
}
_NAME_RE_BY_EXT = {
    ".pmap": PIPELINE_NAME_RE,
    ".imap": INSTRUMENT_NAME_RE,
    ".rmap": REFERENCE_MAPPING_NAME_RE,
}
_TRAILING_SERIAL_RE = re.compile(r"_(\d+)$")


class MappingNameParts(NamedTuple):
    """The parts of a mapping name; absent parts are None."""

    observatory: str
    instrument: str | None
    filekind: str | None
    serial: int | None


class ReferenceNameParts(NamedTuple):
    """The parts of a CRDS-style reference name such as ``jwst_nircam_dark_0040.fits``."""

    observatory: str
    instrument: str
    filekind: str
    serial: int | None
    extension: str


class NameComparisonError(CrdsError, ValueError):
    """Two names whose relative age cannot be decided (e.g. CRDS vs new CDBS)."""


def _basename(name: str) -> str:
    return posixpath.basename(name)


def _split_ext(name: str) -> tuple[str, str]:
    root, ext = posixpath.splitext(name)
    return root, ext


# ---- mappings -------------------------------------------------------------------------------


def is_mapping(name: str) -> bool:
    """True for names ending in ``.pmap``, ``.imap`` or ``.rmap`` (lower case)."""
    return name.endswith((".pmap", ".imap", ".rmap"))


def is_reference(name: str) -> bool:
    """True for recognised reference extensions: .fits .asdf .json .yaml .text .rNh .rNd."""
    return REFERENCE_EXT_RE.fullmatch(_split_ext(name)[1]) is not None


def mapping_kind(name: str) -> MappingKind:
    """``'pipeline'`` (.pmap), ``'instrument'`` (.imap) or ``'reference'`` (.rmap)."""
    kind = _KIND_BY_EXT.get(_split_ext(name)[1])
    if kind is None:
        raise ValueError(f"not a mapping name: {name!r}")
    return kind


def is_valid_mapping_name(name: str, require_serial: bool = False) -> bool:
    """True if the basename of ``name`` decomposes per §8.1 (optionally with a serial)."""
    try:
        parts = split_mapping_name(name)
    except ValueError:
        return False
    return parts.serial is not None or not require_serial


def split_mapping_name(name: str) -> MappingNameParts:
    """(observatory, instrument, filekind, serial) of a mapping name, ``./`` or path allowed.

    ``hst.pmap`` -> ('hst', None, None, None); ``jwst_nircam_dark_0017.rmap`` ->
    ('jwst', 'nircam', 'dark', 17). Raises :class:`ValueError` for names that do not decompose
    (test files such as ``jwst_na_omit.pmap``): read the mapping header instead.
    """
    base = _basename(name)
    pattern = _NAME_RE_BY_EXT.get(_split_ext(base)[1])
    match = pattern.fullmatch(base) if pattern is not None else None
    if match is None:
        raise ValueError(f"mapping name {base!r} does not decompose into its parts")
    groups = match.groupdict()
    serial = groups["serial"]
    return MappingNameParts(
        groups["observatory"],
        groups.get("instrument"),
        groups.get("filekind"),
        None if serial is None else int(serial),
    )


def next_mapping_name(name: str, existing_names: Iterable[str], prefix: str = "./") -> str:
    """The local (test-context) generator's next name after mapping ``name``.

    Of ``existing_names`` (basenames or paths) matching ``<stem>_*<ext>``, sorted as strings,
    the last one's serial plus one is formatted with at least 4 digits. With no match, a name
    keeps its serial or gets ``_0001``. ``prefix`` (``./`` like CRDS) is prepended.

    Raises :class:`ValueError` where CRDS crashes: the last match has no numeric serial
    (``jwst_0541.pmap`` -> ``jwst_na_omit.pmap``), or the result already exists (CRDS would
    retry forever, e.g. when ``_9999`` and ``_10000`` both exist).
    """
    base = _basename(name)
    root, ext = _split_ext(base)
    stem = _TRAILING_SERIAL_RE.sub("", root)
    existing = {_basename(n) for n in existing_names}
    pattern = f"{stem}_*{ext}"
    matches = sorted(n for n in existing if fnmatch.fnmatchcase(n, pattern))
    if matches:
        last = matches[-1]
        serial = _TRAILING_SERIAL_RE.search(_split_ext(last)[0])
        if serial is None:
            raise ValueError(
                f"cannot derive a new name from {base!r}: the last existing {pattern!r} "
                f"file, {last!r}, has no numeric serial"
            )
        new = f"{stem}_{int(serial.group(1)) + 1:04d}{ext}"
    elif stem != root:
        new = base
    else:
        new = f"{stem}_0001{ext}"
    if new in existing:
        raise ValueError(
            f"cannot derive a new name from {base!r}: {new!r} already exists although it "
            f"does not sort last among {pattern!r}"
        )
    return prefix + new


# ---- reference files ------------------------------------------------------------------------


def properties_from_reference_name(name: str) -> ReferenceNameParts:
    """Parts of a CRDS-style reference name ``<obs>_<instr>_<filekind>[_<NNNN>].<ext>``.

    Raises :class:`ValueError` for other names (e.g. HST CDBS names ``j4d1435ij_bia.fits``).
    """
    base = _basename(name)
    match = CRDS_REFERENCE_NAME_RE.fullmatch(base)
    if match is None or not is_reference(base):
        raise ValueError(f"{base!r} is not a CRDS-style reference file name")
    serial = match.group("serial")
    return ReferenceNameParts(
        match.group("observatory"),
        match.group("instrument"),
        match.group("filekind"),
        None if serial is None else int(serial),
        match.group("ext"),
    )


def extension_rank(name: str) -> int:
    """Age rank of an extension: .rNh/.rNd 0 < .fits 1 < .json 2 < .yaml 3 < .asdf 4 < other 5."""
    ext = _split_ext(name)[1]
    if re.fullmatch(r"\.r\d[hd]", ext):
        return 0
    return {".fits": 1, ".json": 2, ".yaml": 3, ".asdf": 4}.get(ext, 5)


def name_serial(name: str) -> int:
    """The integer after the last ``_`` before the extension; -1 if there is none."""
    root, ext = _split_ext(name)
    match = _TRAILING_SERIAL_RE.search(root) if ext else None
    return int(match.group(1)) if match else -1


def classify_name(name: str, observatories: Iterable[str] | None = None) -> NameClass:
    """``'crds'`` (starts with an observatory), ``'newcdbs'`` (timestamp) or ``'oldcdbs'``.

    ``observatories`` defaults to the registered ones (:func:`registered_observatories`).
    """
    known = registered_observatories() if observatories is None else tuple(observatories)
    if name.startswith(known):
        return "crds"
    if NEW_CDBS_NAME_RE.fullmatch(name):
        return "newcdbs"
    return "oldcdbs"


_NEWER_ACROSS_CLASSES = {
    ("crds", "oldcdbs"): True,
    ("oldcdbs", "crds"): False,
    ("newcdbs", "oldcdbs"): True,
    ("oldcdbs", "newcdbs"): False,
}


def newer(name1: str, name2: str) -> bool:
    """True if reference ``name1`` is newer than ``name2`` (§8.2 ordering rules).

    ``N/A`` is the oldest. CRDS vs CRDS: higher extension rank, or on equal rank the higher
    serial. CDBS vs CDBS of the same style: string order. CRDS > old CDBS; new CDBS > old CDBS.
    CRDS vs new CDBS raises :class:`NameComparisonError` (CRDS warns and then fails).
    """
    if name1 == "N/A":
        return False
    if name2 == "N/A":
        return True
    name1, name2 = _basename(name1), _basename(name2)
    class1, class2 = classify_name(name1), classify_name(name2)
    if class1 == class2 == "crds":
        rank1, rank2 = extension_rank(name1), extension_rank(name2)
        if rank1 == rank2:
            return name_serial(name1) > name_serial(name2)
        return rank1 > rank2
    if class1 == class2:
        return name1 > name2
    try:
        return _NEWER_ACROSS_CLASSES[(class1, class2)]
    except KeyError:
        log.warning("Unhandled name comparison case: %s", (class1, class2))
        raise NameComparisonError(
            f"cannot order {name1!r} ({class1}) against {name2!r} ({class2})"
        ) from None


# ---- HST timestamp names --------------------------------------------------------------------

_YEAR_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
HST_INSTRUMENT_LETTERS = {
    "acs": "j",
    "wfc3": "i",
    "stis": "o",
    "cos": "l",
    "wfpc2": "u",
    "nicmos": "n",
    "synphot": "m",
}


def hst_timestamp(dt: datetime) -> str:
    """The 8-character HST timestamp root, e.g. 2017-06-01 12:34:56 -> ``1611234s``."""
    return (
        _YEAR_CHARS[(dt.year - 1990) % 36]
        + _BASE36[dt.month]
        + _BASE36[dt.day]
        + f"{dt.hour:02d}{dt.minute:02d}"
        + _BASE36[dt.second // 2]
    )


def hst_timestamp_name(dt: datetime, instrument: str, suffix: str, ext: str = ".fits") -> str:
    """A new-CDBS-style HST reference name, e.g. ``1611234sj_drk.fits`` for ACS at ``dt``."""
    try:
        letter = HST_INSTRUMENT_LETTERS[instrument.lower()]
    except KeyError:
        raise ValueError(f"no HST file-name letter for instrument {instrument!r}") from None
    if not ext.startswith("."):
        ext = "." + ext
    return f"{hst_timestamp(dt)}{letter}_{suffix}{ext}"

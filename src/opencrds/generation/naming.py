"""Official names of delivered references, and what a reference is (RULES.md §8.2).

JWST and Roman references are renamed ``<obs>_<instr>_<filekind>_<NNNN>.<ext>`` with the serial
the caller allocates; HST references get unique CDBS-style timestamp names that keep the
uploaded suffix (``_drk``). Which instrument and type a file is comes from its header, the way
certify tells it.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import MutableSet
from dataclasses import dataclass, field

from ..rules.naming import hst_timestamp_name
from .errors import GenerationError

#: Suffixes of HST SYNPHOT files, named with the ``synphot`` letter whatever INSTRUME says.
SYNPHOT_SUFFIXES = ("syn", "tmg", "tmc", "tmt", "th")
#: SYNPHOT types whose files keep their uploaded names (SERVER.md §2.2 step 4).
NEVER_RENAMED = (("synphot", "thruput"), ("synphot", "thermal"))
#: The step between two HST names made for the same second (the timestamp's resolution).
HST_NAME_STEP = datetime.timedelta(seconds=2)


@dataclass(frozen=True)
class ReferenceIdentity:
    """A reference's instrument and type (lower case; HST the dataset keyword type such as
    ``darkfile``, JWST/Roman the reftype such as ``dark``), its extension (``.fits``) and
    its header (every value a string)."""

    instrument: str
    filekind: str
    extension: str
    header: dict[str, str] = field(repr=False, compare=False)


def reference_family(observatory: str, instrument: str, filekind: str) -> str:
    """The stem of a type's official names: ``jwst_miri_dark``."""
    parts = (observatory, instrument, filekind)
    if not all(parts):
        raise GenerationError(f"cannot name references of {parts!r}: a part is empty")
    return "_".join(part.strip().lower() for part in parts)


def official_reference_name(observatory: str, instrument: str, filekind: str, serial: int,
                            extension: str) -> str:
    """The official CRDS-style name: ``jwst_miri_dark_0096.fits`` (4-digit zero padding)."""
    if serial < 0:
        raise GenerationError(f"bad serial {serial} for {observatory}_{instrument}_{filekind}")
    ext = extension if extension.startswith(".") else "." + extension
    return f"{reference_family(observatory, instrument, filekind)}_{serial:04d}{ext.lower()}"


def hst_unique_name(when: datetime.datetime, instrument: str, suffix: str, extension: str,
                    taken: MutableSet[str] | None = None) -> str:
    """A unique HST timestamp name at ``when`` (UTC): ``1611234sj_drk.fits``.

    A SYNPHOT suffix (``_tmc``, ``_th``...) or instrument ``hst`` names the file with the
    ``synphot`` letter. Names already in ``taken`` are avoided by stepping the time 2 s (as
    ``uniqname`` does, so two files of one second differ); the name returned is added to it.
    """
    instrument = instrument.strip().lower()
    if suffix.split("_")[-1].lower() in SYNPHOT_SUFFIXES or instrument in ("synphot", "hst"):
        instrument = "synphot"
    try:
        name = hst_timestamp_name(when, instrument, suffix, extension)
        while taken is not None and name in taken:
            when += HST_NAME_STEP
            name = hst_timestamp_name(when, instrument, suffix, extension)
    except ValueError as exc:
        raise GenerationError(str(exc)) from None
    if taken is not None:
        taken.add(name)
    return name


def hst_suffix(name: str) -> tuple[str, str]:
    """``(suffix, extension)`` of an HST file name: ``s7g1700gl_dead.fits`` -> ``('dead',
    '.fits')``; GenerationError without a ``_suffix``."""
    base = os.path.basename(name)
    stem, ext = os.path.splitext(base)
    if "_" not in stem:
        raise GenerationError(f"'{base}' does not look like an HST reference name (no _suffix)")
    return stem.split("_", 1)[1], ext


def identify_reference(path: str, observatory: str, *,
                       definitions_dirs: tuple[str, ...] = ()) -> ReferenceIdentity:
    """The instrument, type, extension and header of the reference at ``path``, told from
    its header with ``observatory``'s definitions as certify tells them.

    ``definitions_dirs`` as certify's ``--definitions``. Raises :class:`GenerationError`
    naming the file when it cannot be read or placed.
    """
    from ..certify.context import CertifyOptions, definition_for
    from ..certify.references import identify
    from ..io import HeaderError, read_header

    name = os.path.basename(path)
    try:
        header = read_header(path)
    except HeaderError as exc:
        raise GenerationError(f"Cannot read the header of '{name}': {exc}") from None
    definition = definition_for(observatory, CertifyOptions(observatory=observatory,
                                                            definitions_dirs=definitions_dirs))
    if definition is None:
        raise GenerationError(f"No definitions for observatory '{observatory}' to place "
                              f"'{name}'")
    try:
        found = identify(header, definition, name)
    except ValueError as exc:
        raise GenerationError(f"Cannot identify '{name}': {exc}") from None
    return ReferenceIdentity(found.instrument, found.filekind,
                             os.path.splitext(name)[1].lower(), header)


def keeps_uploaded_name(identity: ReferenceIdentity) -> bool:
    """Whether a file of this type is never renamed (SYNPHOT thruput and thermal)."""
    return (identity.instrument, identity.filekind) in NEVER_RENAMED

"""JWST header completion ("cross-strapping"): FITS keywords and data-model paths as synonyms.

After reading any file whose instrument is a JWST instrument, the reference client fills in the
other names of each keyword, so that a FITS file also answers ``META.INSTRUMENT.DETECTOR`` and a
data-model file also answers ``DETECTOR``. The rules (data/jwst_header_synonyms.json):

* the instrument is the first value of INSTRUME, META.INSTRUMENT.NAME, INSTRUMENT,
  META.INSTRUMENT.TYPE that is not ``UNDEFINED``; it must be a JWST instrument (any case);
* a pair ``(a, b)`` copies a defined value to a partner that is missing or ``UNDEFINED``; two
  defined values are left alone, even if they differ;
* first the synonym pairs in their order, then each key the header had before the synonyms
  were added, in header order, with its FITS <-> data-model partner from the JWST schema table
  (opencrds.observatories).
"""

from __future__ import annotations

import functools
import json
from collections.abc import MutableMapping
from importlib import resources
from typing import Any

from ..observatories.keywords import jwst_datamodel_to_fits, jwst_fits_to_datamodel

UNDEFINED = "UNDEFINED"


@functools.cache
def _table() -> dict[str, Any]:
    data = resources.files(__package__).joinpath("data", "jwst_header_synonyms.json")
    with data.open(encoding="utf-8") as stream:
        return json.load(stream)


def header_instrument(header: MutableMapping[str, str]) -> str | None:
    """The instrument named by the header, by the keys the reference client looks at."""
    for key in _table()["instrument_keys"]:
        value = header.get(key, UNDEFINED)
        if value != UNDEFINED:
            return str(value)
    return None


def is_jwst_header(header: MutableMapping[str, str]) -> bool:
    """Whether the header's instrument is a JWST one (so the header gets cross-strapped)."""
    instrument = header_instrument(header)
    return instrument is not None and instrument.lower() in _table()["instruments"]


def _strap(header: MutableMapping[str, str], first: str, second: str) -> None:
    one = header.get(first, UNDEFINED)
    other = header.get(second, UNDEFINED)
    if one != UNDEFINED and other == UNDEFINED:
        header[second] = one
    elif other != UNDEFINED and one == UNDEFINED:
        header[first] = other


def cross_strap(header: MutableMapping[str, str]) -> None:
    """Add the missing synonyms of every keyword of a JWST header, in place."""
    original_keys = list(header)
    for first, second in _table()["synonyms"]:
        _strap(header, first, second)
    to_datamodel = jwst_fits_to_datamodel()
    to_fits = jwst_datamodel_to_fits()
    for key in original_keys:
        if key in to_datamodel:
            _strap(header, key, to_datamodel[key])
        elif key in to_fits:
            _strap(header, to_fits[key], key)

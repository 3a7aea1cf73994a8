"""How ``opencrds bestrefs`` words a dataset it cannot process, as ``crds bestrefs`` does.

* A header naming no instrument (``INSTRUME``, ``META.INSTRUMENT.NAME``, ``INSTRUMENT``) is a
  failed load: ``Failed loading source 'x' from 'FileHeaderGenerator' : 'No instrument keyword
  defined in header.'`` (``PickleHeaderGenerator`` for parameter files).
* When the types to look up come from the instrument (no ``--types``) and cannot be determined
  (an instrument the context does not know): ``Failed determining reference types for 'x' with
  respect to ('INSTR', 'context', {header}) : <reason>``. The header is shown as the reference
  client holds it: as read, with ``INSTRUME`` and ``META.INSTRUMENT.NAME`` set to the upper-case
  instrument; in a file of a JWST instrument every data-model key also names its FITS keyword
  (``META.INSTRUMENT.NAME [INSTRUME]``, ``META.INSTRUMENT.TYPE [FITS unknown]``). (crds also
  names them in the files it reads after one of a JWST instrument, a state left behind by that
  file; ours depends on the dataset alone.)
* Any other failure of the lookups: ``Failed computing bestrefs for data 'x' with respect to
  'context' : <reason>``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

NO_INSTRUMENT = "'No instrument keyword defined in header.'"


def load_failure(name: str, from_file: bool) -> str:
    """The message of a header that names no instrument."""
    generator = "FileHeaderGenerator" if from_file else "PickleHeaderGenerator"
    return f"Failed loading source {name!r} from {generator!r} : {NO_INSTRUMENT}"


def shown_header(header: Mapping[str, Any], instrument: str, from_file: bool) -> dict[str, Any]:
    """``header`` as the reference client shows it in a failure message."""
    shown = dict(header)
    shown["INSTRUME"] = shown["META.INSTRUMENT.NAME"] = instrument
    if not from_file:
        return shown
    from ...io.crossstrap import is_jwst_header

    if not is_jwst_header(shown):
        return shown
    to_fits = _fits_keywords()
    return {(f"{key} [{to_fits.get(key, 'FITS unknown')}]" if str(key).startswith("META.")
             else key): value for key, value in shown.items()}


@functools.cache
def _fits_keywords() -> dict[str, str]:
    """Data-model path -> FITS keyword: the JWST schema's, else the first FITS synonym."""
    import json
    from importlib import resources

    from ...observatories.keywords import jwst_datamodel_to_fits

    table = resources.files("opencrds.io").joinpath("data", "jwst_header_synonyms.json")
    result = dict(jwst_datamodel_to_fits())
    for first, second in json.loads(table.read_text(encoding="utf-8"))["synonyms"]:
        if second.startswith("META.") and not first.startswith("META."):
            result.setdefault(second, first)
    return result


def types_failure(name: str, instrument: str, context: str, header: Mapping[str, Any],
                  from_file: bool, reason: str) -> str:
    """The message of a dataset whose reference types cannot be determined."""
    shown = shown_header(header, instrument, from_file)
    return (f"Failed determining reference types for {name!r} with respect to "
            f"({instrument!r}, {context!r}, {shown!r}) : {reason}")


def lookup_failure(name: str, context: str, reason: str) -> str:
    """The message of a dataset whose best references cannot be computed."""
    return f"Failed computing bestrefs for data {name!r} with respect to {context!r} : {reason}"

"""HST hook functions (RULES.md §6.1): the only instrument-specific code run at lookup.

Hooks are looked up by name. A name, once used by a real rmap, never changes behaviour: a new
behaviour gets a new versioned name. Hooks work on normalized (conditioned) header values.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from ..rules.errors import LookupFailure
from ..rules.timestamps import DateFormatError, parse_date
from ..rules.values import condition_value

Header = dict[str, Any]

SM4 = datetime.datetime(2009, 5, 14)
ACS_V3_EARLIEST = datetime.datetime(2002, 3, 30)


# Hooks index the header directly: a missing keyword fails the lookup with the keyword's name
# (e.g. ``NOT FOUND 'NAXIS1'``), exactly as CRDS's hooks do.


def _observation_time(header: Header) -> datetime.datetime:
    date, time = header["DATE-OBS"], header["TIME-OBS"]
    if "UNDEFINED" in (date, time) or date is None or time is None:
        raise LookupFailure("One or more required date/time values is UNDEFINED")
    try:
        return parse_date(f"{str(date).strip()} {str(time).strip()}")
    except DateFormatError as exc:
        raise LookupFailure(str(exc)) from None


def _as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _acs_geometry(header: Header, cols: str, rows: str) -> Header:
    """The ACS biasfile precondition shared by v1 (NUMCOLS/NUMROWS) and v2+ (NAXIS1/NAXIS2)."""
    header = dict(header)
    pre_sm4 = _observation_time(header) < SM4
    if pre_sm4:
        header["APERTURE"] = "N/A"
    numcols = _as_number(header[cols])
    if numcols is not None:
        header[cols] = condition_value(int(numcols))
        if pre_sm4 and int(numcols) > 2048:
            amp = header["CCDAMP"]
            if amp in ("A", "D"):
                header["CCDAMP"] = "AD"
            elif amp in ("B", "C"):
                header["CCDAMP"] = "BC"
    if (header["DETECTOR"] == "WFC" and header["XCORNER"] == "0.0"
            and header["YCORNER"] == "0.0"):
        numrows = _as_number(header[rows])
        if numrows is not None:
            header[rows] = condition_value(int(numrows) // 2)
    return header


def precondition_header_acs_biasfile_v1(header: Header) -> Header:
    return _acs_geometry(header, "NUMCOLS", "NUMROWS")


def precondition_header_acs_biasfile_v2(header: Header) -> Header:
    return _acs_geometry(header, "NAXIS1", "NAXIS2")


def _full_frame(header: Header, ltv1: str, ltv2: str) -> Header:
    if header["DETECTOR"] == "WFC":
        header.update({"NAXIS1": "4144.0", "NAXIS2": "2068.0", ltv1: "24.0", ltv2: "0.0"})
    else:
        header.update({"NAXIS1": "1062.0", "NAXIS2": "1044.0", ltv1: "19.0"})
        header[ltv2] = "0.0" if header["CCDAMP"] in ("C", "D") else "20.0"
    return header


def fallback_header_acs_biasfile_v2(header: Header) -> Header:
    return _full_frame(precondition_header_acs_biasfile_v2(header), "LTV1", "LTV2")


def _acs_v3_applies(header: Header) -> bool:
    return (
        header.get("DETECTOR") != "WFC"
        or _observation_time(header) < ACS_V3_EARLIEST
        or header.get("APERTURE") in (None, "UNDEFINED")
        or _as_number(header.get("CCDGAIN")) in (4.0, 8.0)
        or header.get("CCDAMP") in ("AD", "BC")
    )


def precondition_header_acs_biasfile_v3(header: Header) -> Header:
    if _acs_v3_applies(header):
        return precondition_header_acs_biasfile_v2(header)
    return dict(header)


def fallback_header_acs_biasfile_v3(header: Header) -> Header:
    return _full_frame(precondition_header_acs_biasfile_v3(header), "RAW_LTV1", "RAW_LTV2")


def precondition_header_wfc3_biasfile_v1(header: Header) -> Header:
    header = dict(header)
    if header["SUBARRAY"] == "T" and "SUB" not in str(header["APERTURE"]):
        header["APERTURE"] = "N/A"
    return header


def fallback_header_wfpc2_flatfile_v1(header: Header) -> Header:
    header = dict(header)
    filter1, filter2 = header["FILTER1"], header["FILTER2"]
    header["FILTER1"], header["FILTER2"] = filter2, filter1
    return header


HOOKS: dict[str, Callable[[Header], Any]] = {
    name: function for name, function in globals().items()
    if name.startswith(("precondition_header_", "fallback_header_")) and callable(function)
}


def do_not_reprocess(header: Mapping[str, Any]) -> bool:
    """ACS WFC datasets at gain 0.5 or 1.4 are not reprocessed when a lookup fails."""
    if header.get("DETECTOR") != "WFC":
        return False
    return _as_number(header.get("CCDGAIN")) in (0.5, 1.4)

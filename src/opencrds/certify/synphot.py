"""HST synphot validators of .tpn files (TOOLS.md §5.3 "synphot-specific validators").

* ``&SYNPHOT_GRAPH`` (TMG graph tables): every row must be reachable from the graph's start
  node (the smallest INNODE) by following OUTNODE -> INNODE links.
* ``&SYNPHOT_LOOKUP`` (TMC / TMT lookup tables): each FILENAME is ``<prefix>$<file>`` where
  the prefix names the component's instrument (``cr<instrument>comp``; components whose name
  does not start with an HST instrument live in ``crotacomp`` or ``crnonhstcomp``), and a
  file with ``_mjd_`` in its name must be parametrized (``...fits[mjd#]``).
* ``&SYNPHOT_THROUGHPUT`` / ``&SYNPHOT_THERMAL`` (component tables): the file name ends in
  ``_###_syn.fits`` / ``_###_th.fits`` and its version exceeds the version of the file
  the comparison context already has for the same COMPNAME; a throughput curve should start
  and end at 0.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..rules.errors import CHILD_LOAD_ERRORS
from .constraints import ArrayInfo
from .context import Unprefixed

Report = Callable[[str, str], None]
#: The names of the comparison context's files for one synphot type and COMPNAME.
PreviousFiles = Callable[[str, str], Iterable[str]]

#: ``cr<key>comp`` prefix -> the component-name prefix of that instrument.
INSTRUMENT_PREFIXES = {
    "acs": "acs", "cos": "cos", "fgs": "fgs", "foc": "foc", "fos": "fos", "hrs": "hrs",
    "hsp": "hsp", "nicmos": "nic", "stis": "stis", "wfc3": "wfc3", "wfpc2": "wfpc2",
    "wfpc": "wfpc",
}
#: Prefixes for components that belong to no HST instrument.
GENERIC_PREFIXES = ("ota", "nonhst")
_PREFIX_RE = re.compile(r"^cr(?P<key>[a-z0-9]+)comp$")
_KINDS = {"SYNPHOT_THROUGHPUT": ("thruput", "syn"), "SYNPHOT_THERMAL": ("thermal", "th")}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return str(value).strip()


def _column(table: Any, name: str) -> list[Any] | None:
    names = {n.upper(): n for n in getattr(getattr(table, "dtype", None), "names", None) or ()}
    if name.upper() not in names:
        return None
    return list(table[names[name.upper()]])


# ---- graph tables -----------------------------------------------------------------------


def disconnected_rows(innodes: list[int], outnodes: list[int]) -> list[int]:
    """Indexes of graph rows whose INNODE cannot be reached from the start node."""
    if not innodes:
        return []
    reached = {min(innodes)}
    grew = True
    while grew:
        grew = False
        for inn, out in zip(innodes, outnodes, strict=True):
            if inn in reached and out not in reached:
                reached.add(out)
                grew = True
    return [i for i, inn in enumerate(innodes) if inn not in reached]


def check_graph(name: str, table: Any, report: Report) -> None:
    innodes, outnodes = _column(table, "INNODE"), _column(table, "OUTNODE")
    if innodes is None or outnodes is None:
        report("ERROR", f"Synphot graph table {name!r} lacks INNODE or OUTNODE columns")
        return
    bad = disconnected_rows([int(v) for v in innodes], [int(v) for v in outnodes])
    if bad:
        report("ERROR", Unprefixed(f"TMG contains disconnected rows at indexes: "
                                   f"{', '.join(map(str, bad))}"))


# ---- lookup tables ------------------------------------------------------------------------


def filename_problem(compname: str, filename: str) -> str | None:
    """Why a lookup-table FILENAME is malformed for COMPNAME, or None."""
    prefix, dollar, base = filename.partition("$")
    match = _PREFIX_RE.match(prefix) if dollar else None
    if match is None or not base:
        return "missing or invalid path prefix"
    key = match.group("key")
    if key in INSTRUMENT_PREFIXES:
        if not compname.lower().startswith(INSTRUMENT_PREFIXES[key]):
            return "missing or invalid path prefix"
    elif key not in GENERIC_PREFIXES:
        return "missing or invalid path prefix"
    if "_mjd_" in base.lower() and not re.search(r"\[[^\]]*#\]$", base):
        return "should be parametrized"
    return None


def check_lookup(name: str, table: Any, report: Report) -> None:
    compnames, filenames = _column(table, "COMPNAME"), _column(table, "FILENAME")
    if compnames is None or filenames is None:
        report("ERROR", f"Synphot lookup table {name!r} lacks COMPNAME or FILENAME columns")
        return
    for index, (comp, filename) in enumerate(zip(compnames, filenames, strict=True)):
        problem = filename_problem(_text(comp), _text(filename))
        if problem:
            report("ERROR", Unprefixed(f"Malformed FILENAME value at index {index} "
                                       f"({problem})"))


# ---- component tables -----------------------------------------------------------------------


def filename_version(name: str, suffix: str) -> int | None:
    """The ``###`` of ``<component>_###_<suffix>.fits``, or None."""
    match = re.search(rf"_(\d{{3}})_{suffix}\.fits$", name, re.IGNORECASE)
    return int(match.group(1)) if match else None


def check_component(validator: str, name: str, header: Mapping[str, str], table: Any,
                    report: Report, previous: PreviousFiles | None) -> None:
    filekind, suffix = _KINDS[validator]
    version = filename_version(name, suffix)
    if version is None:
        report("ERROR", Unprefixed(f"Invalid filename: must end in _###_{suffix}.fits"))
    elif previous is not None:
        compname = _text(header.get("COMPNAME", ""))
        versions = [v for v in (filename_version(os.path.basename(f), suffix)
                                for f in previous(filekind, compname)) if v is not None]
        if versions and version <= max(versions):
            report("ERROR", Unprefixed(f"New filename version ({version:03d}) must exceed "
                                       f"previous version ({max(versions):03d})"))
    if filekind == "thruput":
        values = _column(table, "THROUGHPUT")
        if values:
            for where, value in (("First", values[0]), ("Last", values[-1])):
                if float(value) != 0.0:
                    report("WARNING", f"{where} value of column 'THROUGHPUT' is not 0.0 in "
                           f"{name!r}")


# ---- dispatch -------------------------------------------------------------------------------


VALIDATORS = ("SYNPHOT_GRAPH", "SYNPHOT_LOOKUP", *_KINDS)


def check_array(validator: str, name: str, header: Mapping[str, str], info: ArrayInfo,
                report: Report, previous: PreviousFiles | None = None) -> bool:
    """Apply synphot validator ``validator`` (without ``&``) to the table ``info``; False if
    it is not a synphot validator."""
    validator = validator.upper()
    if validator not in VALIDATORS:
        return False
    table = info.DATA
    if table is None:
        return True
    if validator == "SYNPHOT_GRAPH":
        check_graph(name, table, report)
    elif validator == "SYNPHOT_LOOKUP":
        check_lookup(name, table, report)
    else:
        check_component(validator, name, header, table, report, previous)
    return True


def previous_files(context: Any) -> PreviousFiles:
    """``previous(filekind, compname)`` over the synphot rmaps of ``context`` (a pmap)."""
    from .rows import flatten, terminal_names

    def previous(filekind: str, compname: str) -> list[str]:
        try:
            rmap = context.get_imap("synphot").get_rmap(filekind)
        except CHILD_LOAD_ERRORS:  # no such rmap: nothing to compare with
            return []
        found = []
        for keys, value in flatten(rmap.parsed.selector):
            match = keys[0] if keys else ()
            first = match[0] if isinstance(match, tuple) and match else match
            if str(first).strip().upper() == compname.strip().upper():
                found += terminal_names(value)
        return found

    return previous

"""Certify reference files (TOOLS.md §5.2): format, header constraints, tables."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..cache.paths import env_flag
from ..io import HeaderError, read_header
from ..io.formats import ASDF, FITS, JSON, YAML, detect_format
from ..observatories.definitions import Constraint, DefinitionError, ObservatoryDefinition
from . import jwst_core, synphot, validators
from .constraints import ArrayInfo, ConstraintChecker
from .context import CertifyOptions, Unprefixed, definition_for
from .libwarnings import report_warnings
from .synphot import PreviousFiles
from .tables import check_table

Report = Callable[[str, str], None]

_INSTRUMENT_KEYS = ("INSTRUME", "META.INSTRUMENT.NAME", "ROMAN.META.INSTRUMENT.NAME")
_TYPE_KEYS = ("REFTYPE", "META.REFTYPE", "ROMAN.META.REFTYPE")


@dataclass
class RefIdentity:
    """Instrument and type of a reference (lower case)."""

    instrument: str
    filekind: str


def file_format(path: str) -> str:
    """FITS, ASDF, JSON, YAML, GEIS or UNKNOWN."""
    try:
        return detect_format(path)[0]
    except HeaderError:
        return "UNKNOWN"


def check_loadable(path: str, kind: str, report: Report, seen: set[str] | None = None) -> bool:
    """Format-level checks: FITS verify, JSON/YAML/ASDF parse. False stops the file.
    ``seen``: library warnings already reported for the file."""
    if kind == FITS:
        from .fitsdata import verify_fits

        ok = verify_fits(path, report, seen)
        if ok:
            report("INFO", f"FITS file {os.path.basename(path)!r} conforms to FITS standards.")
        return ok
    if kind in (JSON, YAML):
        try:
            with open(path, encoding="utf-8") as stream:
                if kind == JSON:
                    data = json.loads(stream.read())
                else:
                    import yaml

                    data = yaml.safe_load(stream)
        except Exception as exc:  # noqa: BLE001 - boundary: any json or yaml error
            if kind == YAML:  # the parser's own message, which names the file and line
                report("ERROR", f"Validation error : {exc}")
            else:
                report("ERROR", f"Validation error : JSON wouldn't load from {path!r} : "
                       f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            return False
        if isinstance(data, list):
            report("ERROR", f"Validation error : Can't identify instrument of "
                   f"{os.path.basename(path)!r} : 'No instrument keyword defined in header.'")
            return False
        if not isinstance(data, dict):
            report("ERROR", "Validation error : string indices must be integers, not 'str'")
            return False
        return True
    if kind == ASDF:
        import asdf

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with asdf.open(path, lazy_load=True, memmap=False) as handle:
                    handle.tree  # noqa: B018 - force the tree to load
            except Exception as exc:  # noqa: BLE001 - boundary: any asdf error
                text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                report("ERROR", f"Validation error : {text}")
                return False
        report_warnings(caught, report, seen)  # the asdf library's warnings
    return True


def identify(header: dict[str, str], definition: ObservatoryDefinition | None,
             name: str) -> RefIdentity:
    """The instrument and type of a reference from its header (ValueError if unknown)."""
    instrument = next((header[k] for k in _INSTRUMENT_KEYS
                       if header.get(k, "UNDEFINED") != "UNDEFINED"), None)
    if header.get("DBTABLE", "UNDEFINED") != "UNDEFINED":
        instrument = "synphot"  # synphot tables name their type in DBTABLE
    if instrument is None and definition is not None and \
            definition.reftype_keyword.upper() != "FILETYPE":
        raise ValueError(f"Can't identify instrument of {name!r} : 'No instrument keyword "
                         "defined in header.'")
    if instrument is None:
        raise ValueError(f"Can't determine instrument for {name!r}. CAL references must "
                         "define INSTRUME, SYNPHOT references define DBTABLE.")
    instrument = instrument.strip().lower()
    if definition is not None and definition.instrument_aliases:
        instrument = definition.instrument_aliases.get(instrument, instrument)
    filetype = header.get("FILETYPE", header.get("CDBSFILE", "UNDEFINED"))
    # as crds: HST names the type by FILETYPE, checked before the instrument
    by_filetype = (definition is not None and definition.reftype_keyword.upper() == "FILETYPE"
                   and filetype != "UNDEFINED" and instrument != "synphot")
    if definition is not None and instrument not in definition.instruments \
            and not by_filetype:
        raise ValueError(f"Can't identify instrument of {name!r} : Invalid instrument "
                         f"{instrument!r}")
    if instrument == "synphot" and definition is not None:
        try:
            return RefIdentity(instrument, definition.filetype_to_filekind(
                instrument, header["DBTABLE"].strip()))
        except (DefinitionError, KeyError):
            pass
    reftype = next((header[k] for k in _TYPE_KEYS if header.get(k, "UNDEFINED") != "UNDEFINED"),
                   None)
    if reftype is not None:
        kind = reftype.strip().lower()
        if (definition is not None and not by_filetype
                and (instrument, kind) not in definition.types):
            keyword = definition.reftype_keyword.upper()
            raise ValueError(f"Can't identify {keyword} of {name!r}")
        return RefIdentity(instrument, kind)
    if definition is not None:
        if filetype != "UNDEFINED":
            try:
                return RefIdentity(instrument, definition.filetype_to_filekind(
                    instrument, filetype.strip()))
            except DefinitionError:
                raise ValueError(f"Invalid FILETYPE (or CDBSFILE) of {filetype.strip().lower()!r} "
                                 f"for instrument {instrument!r}.") from None
        suffix = os.path.splitext(name)[0].rsplit("_", 1)[-1]
        try:
            return RefIdentity(instrument, definition.suffix_to_filekind(instrument, suffix))
        except DefinitionError:
            pass
    raise ValueError(f"Can't determine type for {name!r} of instrument {instrument!r}")


#: ``(identity, header)`` -> the cached reference a new table is compared with, or None.
Comparison = Callable[[RefIdentity, dict[str, str]], "str | None"]


def certify_reference(path: str, observatory: str, options: CertifyOptions, report: Report,
                      context_name: str, parkeys: Callable[[RefIdentity], frozenset[str]],
                      previous: PreviousFiles | None = None,
                      comparison: Comparison | None = None,
                      certified: Callable[[RefIdentity, dict[str, str]], None] | None = None
                      ) -> RefIdentity | None:
    """All reference checks of one file; returns its identity when it could be found.
    ``previous(filekind, compname)`` names the comparison context's synphot files;
    ``comparison`` finds the reference a table is compared with (without
    ``--comparison-reference``); ``certified(identity, header)`` is told of a reference
    checked through (for the trial rmap update)."""
    kind = file_format(path)
    name = os.path.basename(path)
    if kind == "UNKNOWN":
        report("WARNING", f"No certifier defined for {name!r}")
        return None
    seen: set[str] = set()
    if not check_loadable(path, kind, report, seen):
        return None
    try:
        header = read_header(path)
    except HeaderError as exc:
        report("ERROR", f"Validation error : {exc}")
        return None
    definition = definition_for(observatory, options)
    try:
        ident = identify(header, definition, name)
    except ValueError as exc:
        report("ERROR", f"Validation error : {exc}")
        return None
    tree_keys = None
    if kind == ASDF:
        _asdf_library(header, name, report)
        if observatory == "jwst":
            tree_keys = jwst_core.asdf_tree_keys(path)
            if tree_keys is not None and "history" not in tree_keys:
                report("ERROR", Unprefixed(jwst_core.NO_ASDF_HISTORY))
    if definition is None:
        return ident
    try:  # also names the file's instrument and type in later messages
        required, unknown = parkeys(ident), None
    except ValueError as exc:
        required, unknown = frozenset(), str(exc)
    if observatory != "hst" and unknown is None and \
            not _useafter_ok(header, definition, report):
        return ident
    constraints = definition.constraints_for(ident.instrument, ident.filekind, "tpn")
    if observatory == "jwst":
        constraints = jwst_core.with_stand_ins(constraints, definition, ident.instrument,
                                               ident.filekind)
        header = jwst_core.condition_header(header, name, report)
    arrays: dict[str, ArrayInfo] = {}
    columns: dict[str, list[Any]] = {}
    if kind == FITS:
        from .fitsdata import fits_arrays

        load_data = any(c.keytype_code == "D" for c in constraints)
        arrays, columns = fits_arrays(path, load_data, report, seen)
    if unknown is not None:
        problem = unknown
        report("ERROR", f"Validation error : {problem}")
        if kind == FITS:  # crds still checks the tables, with no comparison reference
            def failed() -> None:
                report("WARNING", f"Failed resolving comparison reference for table checks "
                       f": {problem}")

            _tables(path, ident, definition, report, context_name, failed)
        return ident
    if kind == FITS:
        from .fitsdata import has_asdf_extension

        if has_asdf_extension(path):
            report("ERROR", "FITS files must not include an ASDF extension")
            return ident

    def array_check(constraint: Constraint, info: ArrayInfo) -> None:
        synphot.check_array(constraint.values[0][1:], name, header, info, report, previous)

    display = jwst_core.display_name if observatory == "jwst" else str
    checker = ConstraintChecker(header, report, arrays, columns, required, array_check,
                                display)
    checker.check_all(constraints)
    if kind == FITS:
        def compared() -> str | None:
            if options.comparison_reference or comparison is None:
                return options.comparison_reference
            return comparison(ident, header)

        _tables(path, ident, definition, report, context_name, compared)
    if observatory == "jwst":
        problem = jwst_core.datamodels_problem(name, kind, ident.filekind)
        if problem:
            report("ERROR", f"Validation error : {problem}")
        else:
            jwst_core.open_with_datamodels(path, kind, ident.filekind, report, seen)
        if tree_keys is not None and "meta" not in tree_keys:
            report("ERROR", jwst_core.no_asdf_meta(path))
    if certified is not None:
        certified(ident, header)
    return ident


#: What an unparsable USEAFTER becomes under ``CRDS_ALLOW_BAD_USEAFTER`` (TOOLS.md §4.4).
ALLOWED_BAD_USEAFTER = "1900-01-01T00:00:00"


def _useafter_ok(header: dict[str, str], definition: ObservatoryDefinition,
                 report: Report) -> bool:
    """The USEAFTER must be a date to be mapped onto the dataset date keywords (JWST and
    Roman condition reference headers that way); False after reporting when it is not."""
    keyword = definition.useafter_keyword.upper()
    value = header.get(keyword, "UNDEFINED")
    problem = validators.jwstdate(value) if value != "UNDEFINED" else None
    if problem and not isinstance(problem, validators.Advisory):
        if env_flag("CRDS_ALLOW_BAD_USEAFTER"):
            report("WARNING", f"Bad USEAFTER time format = {value!r}; using "
                   f"{ALLOWED_BAD_USEAFTER!r} (CRDS_ALLOW_BAD_USEAFTER)")
            header[keyword] = ALLOWED_BAD_USEAFTER
            return True
        report("ERROR", "Error mapping reference names and values to dataset names and values "
               f": Bad USEAFTER time format = {value!r}")
        return False
    return True


def _asdf_library(header: dict[str, str], name: str, report: Report) -> None:
    """An ASDF file written by a development release of the asdf library only warns."""
    version = header.get("ASDF_LIBRARY.VERSION", "UNDEFINED")
    if version != "UNDEFINED" and "dev" in version.lower():
        report("WARNING", f"File written with dev version of asdf library: {version}")


def _tables(path: str, ident: RefIdentity, definition: ObservatoryDefinition,
            report: Report, context_name: str, comparison: Callable[[], str | None]) -> None:
    try:
        spec = definition.type_of(ident.instrument, ident.filekind)
    except DefinitionError:
        return
    if not spec.unique_rowkeys:
        return
    try:
        check_table(path, spec.unique_rowkeys, report, comparison(), context_name)
    except Exception as exc:  # noqa: BLE001 - boundary: any table error
        report("ERROR", f"Checking reference modes for {path!r} : {exc}")

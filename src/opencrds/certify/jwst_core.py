"""JWST constraints that stand in for ``all_all.tpn`` / ``<instrument>_all.tpn`` (and their
``_ld`` twins, used for rmap match values) when the definitions copy holds those files only
as links to themselves (their generated targets were not copied), plus the data-model keyword
knowledge certify needs for JWST. Without ``stdatamodels`` installed only the core three
constraints stand in, and pattern keywords are neither translated nor warned about.

What stands in (TOOLS.md §2.3 "JWST-specific checks", §5.3 examples):

* ``META.USEAFTER`` required (``&JWSTDATE``), ``META.HISTORY`` required, ``META.MODEL_TYPE``
  suggested except for ``pars-`` types;
* every data-model keyword with an enumeration in the JWST core schema (installed
  ``stdatamodels``) is optional with those values (plus ``ANY`` and ``N/A``). As for any
  optional constraint, it becomes required when it is a matching parameter of the rmap.
  These lists follow the installed schema, so they can differ in detail from the ones CRDS
  generated (e.g. old exposure types such as ``MIR_DARK`` are not in stdatamodels 6).

The schema also names the CRDS pattern keywords (``P_DETECT`` ...): their values replace the
dataset keyword they stand for before the checks; other ``P_`` keywords only earn a warning.
Last, :func:`datamodels_problem` stands in for opening FITS/ASDF files with the data models.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..observatories.definitions import Constraint, DefinitionError, ObservatoryDefinition

log = logging.getLogger("opencrds.certify")
Report = Callable[[str, str], None]

#: The core constraints documented for JWST's all_all.tpn (and, as crds requires them, the
#: telescope and description).
CORE = (
    Constraint("META.USEAFTER", "H", "C", "R", ("&JWSTDATE",)),
    Constraint("META.HISTORY", "H", "C", "R", ()),
    Constraint("META.TELESCOPE", "H", "C", "R", ()),
    Constraint("META.DESCRIPTION", "H", "C", "R", ()),
    Constraint("META.MODEL_TYPE", "H", "C",
               "(warning(not(META_REFTYPE.startswith('pars-'))))", ()),
)
_EXTRA_VALUES = ("ANY", "N/A")


def _schema_dir() -> Path | None:
    try:
        import stdatamodels.jwst.datamodels as datamodels
    except ImportError:  # pragma: no cover - stdatamodels comes with the test extra
        return None
    return Path(datamodels.__file__).parent / "schemas"


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        log.debug("Cannot read JWST schema %s: %s", path, exc)
        return None


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every schema node below ``node`` with its property path."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name, child in (node.get("properties") or {}).items():
        yield from _walk(child, (*path, str(name)))
    for combo in ("allOf", "anyOf", "oneOf"):
        for child in node.get(combo) or ():
            yield from _walk(child, path)


#: Keywords whose values belong to one instrument, and each instrument's prefix of them:
#: detectors (``NIS``, ``MIRIMAGE``) and exposure types (``NIS_IMAGE``, ``MIR_LRS-FIXEDSLIT``).
INSTRUMENT_PREFIXES = {
    "META.INSTRUMENT.DETECTOR": {"fgs": "GUIDER", "miri": "MIRI", "nircam": "NRC",
                                 "niriss": "NIS", "nirspec": "NRS"},
    "META.EXPOSURE.TYPE": {"fgs": "FGS_", "miri": "MIR_", "nircam": "NRC_", "niriss": "NIS_",
                           "nirspec": "NRS_"},
}


def display_name(name: str) -> str:
    """A data-model keyword as crds names it in messages, with its FITS keyword
    (``META.INSTRUMENT.DETECTOR [DETECTOR]``, ``META.X [FITS unknown]``); other names
    (arrays, FITS keywords) as they are."""
    if not name.upper().startswith("META."):
        return name
    fits = _fits_keywords().get(name.upper())
    return f"{name} [{fits or 'FITS unknown'}]"


@functools.lru_cache(maxsize=1)
def _fits_keywords() -> dict[str, str]:
    """Data-model path -> FITS keyword: the core schema's (shipped table), the reference
    file schema's (installed ``stdatamodels``), and HISTORY."""
    from ..observatories.keywords import jwst_datamodel_to_fits

    found = {"META.HISTORY": "HISTORY"}
    folder = _schema_dir()
    schema = _load_yaml(folder / "referencefile.schema.yaml") if folder else None
    for path, node in _walk(schema):
        keyword = node.get("fits_keyword")
        if path and path[0] == "meta" and isinstance(keyword, str):
            found.setdefault(".".join(path).upper(), keyword.upper())
    found.update(jwst_datamodel_to_fits())
    return found


@functools.lru_cache(maxsize=8)
def enum_constraints(instrument: str | None = None) -> tuple[Constraint, ...]:
    """Optional constraints for the enumerated keywords of the JWST core schema, values
    sorted; for an ``instrument``, detectors and exposure types are only its own (and
    ``ANY``, ``N/A``), see :data:`INSTRUMENT_PREFIXES`."""
    folder = _schema_dir()
    schema = _load_yaml(folder / "core.schema.yaml") if folder else None
    found: dict[str, Constraint] = {}
    for path, node in _walk(schema):
        enum = node.get("enum")
        if not path or path[0] != "meta" or not node.get("fits_keyword") or not enum:
            continue
        name = ".".join(path).upper()
        values = [str(v).upper() for v in enum if isinstance(v, (str, int, float))]
        prefix = INSTRUMENT_PREFIXES.get(name, {}).get((instrument or "").lower())
        if prefix:
            values = [v for v in values if v.startswith(prefix)]
        values += [v for v in _EXTRA_VALUES if v not in values]
        found[name] = Constraint(name, "H", "C", "O", tuple(sorted(values)))
    return tuple(found.values())


@functools.lru_cache(maxsize=1)
def _core_keywords() -> dict[str, tuple[str, str]]:
    """``{FITS keyword: (META.PATH, FITS keyword)}`` of the JWST core schema."""
    folder = _schema_dir()
    schema = _load_yaml(folder / "core.schema.yaml") if folder else None
    found: dict[str, tuple[str, str]] = {}
    for path, node in _walk(schema):
        keyword = node.get("fits_keyword")
        if path and path[0] == "meta" and isinstance(keyword, str):
            found.setdefault(keyword.upper(), (".".join(path).upper(), keyword.upper()))
    return found


@functools.lru_cache(maxsize=1)
def pattern_translations() -> dict[str, tuple[str, str]]:
    """``{pattern keyword: (META.PATH, FITS keyword) of the dataset keyword it stands for}``.

    The data models define the CRDS pattern keywords (``P_DETECT``, or in a tree
    ``META.INSTRUMENT.P_DETECTOR``); each names the dataset keyword whose FITS name starts with
    the pattern's suffix (``DETECT`` -> ``DETECTOR``).
    """
    folder = _schema_dir()
    core = _core_keywords()
    found: dict[str, tuple[str, str]] = {}
    for schema_path in sorted(folder.glob("keyword_p*.schema.yaml")) if folder else ():
        for path, node in _walk(_load_yaml(schema_path)):
            keyword = node.get("fits_keyword")
            if not isinstance(keyword, str) or not keyword.upper().startswith("P_"):
                continue
            stem = keyword.upper()[2:]
            target = next((v for k, v in core.items() if k[:len(stem)] == stem), None)
            if target is not None:
                found[keyword.upper()] = target
                if path:
                    found[".".join(path).upper()] = target
    return found


def translate_patterns(header: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """``header`` with each pattern keyword's value copied to its dataset keyword (empty
    or-glob parts dropped), and the INFO messages saying so."""
    translations = pattern_translations()
    out = dict(header)
    infos = []
    for key, value in header.items():
        target = translations.get(key.upper())
        if target is None or value == "UNDEFINED":
            continue
        pattern = "|".join(p.strip() for p in str(value).split("|") if p.strip())
        path, fits_keyword = target
        infos.append(f"Setting {path!r} = {header.get(path, 'UNDEFINED')!r} to value of "
                     f"{key!r} = {value!r}")
        out[path] = out[fits_keyword] = pattern
    return out, infos


def untranslated_patterns(header_keys: Iterable[str]) -> list[str]:
    """Header keywords that look like CRDS patterns (``P_...``) but have no translation."""
    known = pattern_translations()
    if not known:
        return []
    return [k for k in header_keys if k.upper().startswith("P_") and "." not in k
            and k.upper() not in known]


def broken_levels(definition: ObservatoryDefinition, instrument: str,
                  filekind: str, field: str = "tpn") -> list[str]:
    """The constraint files for (instrument, filekind) that are links to themselves."""
    broken = []
    for name in definition.constraint_files(instrument, filekind, field):
        if name not in definition.tpn_texts:
            continue
        try:
            definition.tpn_constraints(name)
        except DefinitionError as exc:
            if "link to itself" in str(exc):
                broken.append(name)
    return broken


def with_stand_ins(constraints: tuple[Constraint, ...], definition: ObservatoryDefinition,
                   instrument: str, filekind: str, field: str = "tpn"
                   ) -> tuple[Constraint, ...]:
    """``constraints`` plus the stand-ins for broken ``*_all`` levels; keywords the real
    levels already constrain keep only their own constraints."""
    extra = stand_in_constraints(definition, instrument, filekind, field)
    named = {c.name.upper() for c in constraints if c.keytype_code == "H"}
    return tuple(sorted({*constraints, *(c for c in extra if c.name.upper() not in named)}))


def untranslated_message(key: str) -> str:
    """The warning about a pattern-like keyword with no translation."""
    return (f"CRDS-pattern-like keyword {key!r} w/o CRDS translation to corresponding "
            "dataset keyword.")


def condition_header(header: Mapping[str, str], name: str, report: Report) -> dict[str, str]:
    """The header constraints see: pattern keywords translated (INFO), untranslatable ones
    warned about."""
    for key in untranslated_patterns(header):
        report("WARNING", untranslated_message(key))
    translated, infos = translate_patterns(header)
    for info in infos:
        report("INFO", info)
    return translated


def stand_in_constraints(definition: ObservatoryDefinition, instrument: str,
                         filekind: str, field: str = "tpn") -> tuple[Constraint, ...]:
    """What replaces the broken ``*_all.tpn`` (``field="tpn"``) or ``*_all_ld.tpn``
    (``field="ld_tpn"``, rmap match values) levels of a JWST type; empty if none broke."""
    broken = broken_levels(definition, instrument, filekind, field)
    if not any(name.endswith(("_all.tpn", "_all_ld.tpn")) for name in broken):
        return ()
    return (*CORE, *enum_constraints(instrument))


#: The file name endings the JWST data models open FITS and ASDF files by.
DATAMODEL_SUFFIXES = {"FITS": (".fits", ".fit", ".fts", ".fits.gz"), "ASDF": (".asdf",)}


def datamodels_problem(name: str, kind: str, filekind: str) -> str | None:
    """Why the JWST data models would not open reference ``name`` (a light stand-in for
    ``datamodels.open``, which chooses its reader by the file name), or None. ``pars-``
    types and JSON/YAML files are not opened."""
    if filekind.lower().startswith("pars-") or kind not in DATAMODEL_SUFFIXES:
        return None
    if not name.lower().endswith(DATAMODEL_SUFFIXES[kind]):
        return f"JWST Data Models: Unrecognized file type for: {name}"
    return None


def open_with_datamodels(path: str, kind: str, filekind: str, report: Report,
                         seen: set[str] | None = None) -> None:
    """Open a JWST FITS/ASDF reference with the data models (when ``stdatamodels`` is
    installed): their warnings (no model type, schema validation) are reported, a failure
    to open is an error. ``pars-`` types are not opened."""
    if filekind.lower().startswith("pars-") or kind not in DATAMODEL_SUFFIXES:
        return
    try:
        from stdatamodels.jwst import datamodels
    except ImportError:  # pragma: no cover - stdatamodels comes with the test extra
        return
    import warnings

    from .libwarnings import report_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with datamodels.open(path):
                pass
        except Exception as exc:  # noqa: BLE001 - any data-model failure is one error
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            report("ERROR", f"Validation error : JWST Data Models: {text}")
    report_warnings(caught, report, seen)


def asdf_tree_keys(path: str) -> set[str] | None:
    """The top-level keys of an ASDF file's tree (None if it does not open)."""
    import warnings

    import asdf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with asdf.open(path, lazy_load=True, memmap=False) as handle:
                return set(handle.tree)
        except Exception:  # noqa: BLE001 - a file that does not open was reported already
            return None


#: What crds reports for a JWST ASDF tree without ``history`` (before the keyword checks)
#: and without ``meta`` (after them, from its ASDF Standard version check).
NO_ASDF_HISTORY = "Failed reading ASDF history, see ASDF docs on adding history : 'history'"


def no_asdf_meta(shown: str) -> str:
    return f"Checking ASDF Standard version for {shown!r} : 'meta'"

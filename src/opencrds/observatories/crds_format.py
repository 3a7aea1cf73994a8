"""CRDS's own definitions layout (``specs/*.spec``, ``specs/*.rmap``,
``specs/combined_specs.json``, ``tpns/``, ``substitutions.dat``) read into an
:class:`~opencrds.observatories.definitions.ObservatoryDefinition`. Spec files are parsed as
literals, never evaluated."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..rules.errors import CrdsError
from ..rules.parser import parse_literal, parse_mapping_text
from .definitions import (
    PSEUDO,
    ObservatoryDefinition,
    Parkey,
    TypeDefinition,
    plain_value,
    string_tuple,
    text_value,
)
from .tpn import DefinitionError, TpnDirectory

log = logging.getLogger(__name__)


# ---- CRDS's format -------------------------------------------------------------------------

#: Facts about the real observatories that CRDS keeps in Python code, not in spec files
#: (``crds/<obs>/__init__.py``, RULES.md §6): used by :func:`load_crds_definitions`.
CRDS_OBSERVATORY_FACTS: dict[str, dict[str, Any]] = {
    "hst": {
        "instrument_key": "INSTRUME",
        "date_keywords": ("DATE-OBS", "TIME-OBS"),
        "instrument_aliases": {"wfii": "wfpc2"},
        "provenance_keywords": ("DESCRIP", "COMMENT", "PEDIGREE", "USEAFTER", "HISTORY"),
        "reftype_keyword": "FILETYPE",
        "useafter_keyword": "USEAFTER",
    },
    "jwst": {
        "instrument_key": "META.INSTRUMENT.NAME",
        "date_keywords": ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        "global_extra_keys": ("META.VISIT.TSOVISIT", "META.INSTRUMENT.LAMP_STATE"),
        "provenance_keywords": ("META.DESCRIPTION", "META.PEDIGREE", "META.USEAFTER",
                                "META.HISTORY", "META.AUTHOR", "META.MODEL_TYPE"),
        "reftype_keyword": "META.REFTYPE",
        "useafter_keyword": "META.USEAFTER",
    },
    "roman": {
        "instrument_key": "ROMAN.META.INSTRUMENT.NAME",
        "date_keywords": ("ROMAN.META.EXPOSURE.START_TIME",),
        "provenance_keywords": ("ROMAN.META.DESCRIPTION", "ROMAN.META.PEDIGREE",
                                "ROMAN.META.USEAFTER", "HISTORY", "ROMAN.META.AUTHOR"),
        "reftype_keyword": "ROMAN.META.REFTYPE",
        "useafter_keyword": "ROMAN.META.USEAFTER",
    },
    "tobs": {
        "instrument_key": "INSTRUME",
        "date_keywords": ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"),
        "provenance_keywords": ("META.DESCRIPTION", "META.PEDIGREE", "META.USEAFTER",
                                "META.HISTORY", "META.AUTHOR"),
        "reftype_keyword": "META.REFTYPE",
        "useafter_keyword": "META.USEAFTER",
    },
}

#: Header fields of a CRDS type spec that are not :class:`TypeDefinition` fields and say
#: nothing about the type (they describe the prototype rmap file itself).
_SPEC_FILE_FIELDS = frozenset(
    {"derived_from", "mapping", "name", "observatory", "sha1sum", "instrument", "filekind"})


def read_crds_spec(path: str | Path) -> dict[str, Any]:
    """One CRDS type spec: a ``.spec`` dict literal or a prototype ``.rmap``'s header,
    with CRDS's ``TypeSpec`` defaults filled in (tpn, ld_tpn, file_ext, ...)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".rmap":
            header = parse_mapping_text(text, path.name).header
        else:
            header = parse_literal(text, path.name)
    except CrdsError as exc:
        raise DefinitionError(f"{path}: {exc}") from None
    if not isinstance(header, dict):
        raise DefinitionError(f"{path}: a type spec must be a dictionary")
    header = dict(header)
    instrument = str(header.get("instrument", path.stem.split("_", 1)[0]))
    for required in ("suffix", "filetype"):
        if required not in header:
            raise DefinitionError(f"{path}: missing '{required}' field in type spec")
    header.setdefault("tpn", f"{instrument.lower()}_{header['suffix']}.tpn")
    header.setdefault("ld_tpn", f"{instrument.lower()}_{header['suffix']}_ld.tpn")
    header.setdefault("file_ext", ".fits")
    header.setdefault("unique_rowkeys", None)
    header.setdefault("extra_keys", None)
    return header


def read_crds_specs(specs_dir: str | Path,
                    use_combined: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """``{instrument: {filekind: spec}}`` from a specs directory, as CRDS loads it: the
    ``combined_specs.json`` when present (and ``use_combined``), otherwise every ``*.spec``
    then every ``*.rmap`` (a prototype rmap wins over a spec of the same type)."""
    specs_dir = Path(specs_dir)
    combined = specs_dir / "combined_specs.json"
    if use_combined and combined.is_file():
        with combined.open(encoding="utf-8") as stream:
            return json.load(stream)
    specs: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(specs_dir.glob("*.spec")) + sorted(specs_dir.glob("*.rmap")):
        instrument, _, filekind = path.stem.partition("_")
        specs.setdefault(instrument, {})[filekind] = read_crds_spec(path)
    return specs


def type_from_crds_spec(instrument: str, filekind: str, spec: Mapping[str, Any],
                        date_keywords: tuple[str, ...] = ()) -> TypeDefinition:
    """A :class:`TypeDefinition` from a CRDS spec. A flat spec ``parkey`` (HST's form) lists
    the Match parameters; with two classes the date keywords become the UseAfter level."""
    classes = string_tuple(spec.get("classes") or ("Match", "UseAfter"))
    raw = list(spec.get("parkey") or ())
    if raw and all(isinstance(v, str) for v in raw):
        parkey: Parkey = (tuple(raw),)
        if len(classes) == 2 and classes[1] == "UseAfter" and date_keywords:
            parkey = (tuple(raw), tuple(date_keywords))
    else:
        parkey = tuple(string_tuple(level) for level in raw)
    own = {item.name for item in fields(TypeDefinition)}
    extra = {k: v for k, v in spec.items() if k not in own and k not in _SPEC_FILE_FIELDS}
    return TypeDefinition(
        instrument=instrument,
        filekind=filekind,
        suffix=text_value(spec.get("suffix", "")),
        filetype=text_value(spec.get("filetype", "")),
        text_descr=text_value(spec.get("text_descr") or ""),
        file_ext=text_value(spec.get("file_ext") or ".fits"),
        parkey=parkey,
        classes=classes,
        reffile_required=text_value(spec.get("reffile_required") or "NONE"),
        reffile_switch=text_value(spec.get("reffile_switch") or "NONE"),
        reffile_format=text_value(spec.get("reffile_format") or "IMAGE"),
        rmap_relevance=text_value(spec.get("rmap_relevance") or "ALWAYS"),
        extra_keys=string_tuple(spec.get("extra_keys") or ()),
        parkey_relevance=dict(spec.get("parkey_relevance") or {}),
        unique_rowkeys=(None if spec.get("unique_rowkeys") is None
                        else string_tuple(spec["unique_rowkeys"])),
        tpn=text_value(spec.get("tpn") or ""),
        ld_tpn=text_value(spec.get("ld_tpn") or ""),
        extra=plain_value(extra),
    )


def load_crds_definitions(path: str | Path, name: str | None = None,
                          **overrides: Any) -> ObservatoryDefinition:
    """Read a definitions directory in CRDS's own layout (``specs/``, ``tpns/``,
    ``substitutions.dat``). ``name`` defaults to the directory name; facts CRDS keeps in
    code come from :data:`CRDS_OBSERVATORY_FACTS` and may be overridden by keyword."""
    root = Path(path)
    obs = (name or root.name).lower()
    if not (root / "specs").is_dir():
        raise DefinitionError(f"{root}: no 'specs' directory (not a CRDS definitions tree)")
    facts: dict[str, Any] = {"instrument_key": "INSTRUME", **CRDS_OBSERVATORY_FACTS.get(obs, {})}
    facts.update(overrides)
    date_keywords = tuple(facts.get("date_keywords", ()))
    types: dict[tuple[str, str], TypeDefinition] = {}
    for instrument, kinds in read_crds_specs(root / "specs").items():
        for filekind, spec in kinds.items():
            definition = type_from_crds_spec(instrument, filekind, spec, date_keywords)
            types[(definition.instrument, definition.filekind)] = definition
    instruments = tuple(sorted({i for i, _ in types} - {PSEUDO}))
    extensions = tuple(sorted({t.file_ext for t in types.values() if not t.is_pseudo}))
    substitutions: Mapping[str, Any] = {}
    if (root / "substitutions.dat").is_file():
        text = (root / "substitutions.dat").read_text(encoding="utf-8")
        try:
            substitutions = parse_literal(text, "substitutions.dat")
        except CrdsError as exc:
            raise DefinitionError(f"{root / 'substitutions.dat'}: {exc}") from None
    if obs == "jwst" and "keyword_translations" not in facts:
        from .keywords import jwst_fits_to_datamodel

        facts["keyword_translations"] = dict(jwst_fits_to_datamodel())
    definition = ObservatoryDefinition(
        name=obs,
        instruments=instruments,
        types=types,
        reference_extensions=extensions or (".fits",),
        substitutions=substitutions,
        tpn_texts=TpnDirectory(root / "tpns"),
        source=str(root),
        **{k: v for k, v in facts.items() if k not in ("name", "instruments", "types")},
    )
    _check_crds(definition)
    return definition


def _check_crds(definition: ObservatoryDefinition) -> None:
    for key, spec in definition.types.items():
        if not spec.suffix:
            raise DefinitionError(f"{definition.source}: type {key} has no suffix")




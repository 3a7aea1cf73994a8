"""Everything the page of one file shows (SERVER.md §1.8), gathered for the HTML page and its
``?format=json`` form alike."""

from __future__ import annotations

from typing import Any

from opencrds.rules.errors import CrdsError

from ...catalog import contexts, queries
from ...catalog.errors import CatalogError
from ...catalog.models import AuditEntry, FileRecord
from . import relations

#: (catalog field, label) of the Database table, in SERVER.md §1.8 / §3.1 order.
DATABASE_FIELDS = (
    ("name", "CRDS Name"), ("uploaded_as", "Uploaded Name"), ("sha1sum", "Sha1sum"),
    ("size", "Size (bytes)"), ("state", "Status"), ("rejected", "Reject Flag"),
    ("blacklisted", "Blacklisted"), ("replaced_by_filename", "Replaced By File Name"),
    ("description", "Reason for Delivery"), ("derived_from", "Derived From"),
    ("change_level", "Change Level"), ("delivery_date", "Delivery Date"),
    ("activation_date", "Activation Date"), ("pedigree", "Pedigree"),
    ("useafter_date", "Useafter Date"), ("comment", "Descrip"), ("history", "History"),
    ("instrument", "Instrument"), ("filekind", "Reference Type"),
    ("reference_file_type", "Reference File Type"), ("aperture", "Aperture"),
    ("creator_name", "Creator"), ("deliverer_user", "Deliverer"),
    ("deliverer_email", "Deliverer E-mail"), ("observatory", "Observatory"),
    ("type", "Type"), ("available", "Available"),
)
#: Most audit entries shown.
ACTION_LIMIT = 200


def database_rows(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, label, value as text) of every catalog field."""
    info = queries.file_info(record)
    rows = []
    for name, label in DATABASE_FIELDS:
        if name == "available":
            value = "true" if record.get("available") else "false"
        else:
            value = info.get(name, str(record.get(name) or ""))
        rows.append((name, label, value))
    return rows


def past_actions(observatory: str, name: str) -> list[dict[str, Any]]:
    """The audit entries naming ``name``, newest first."""
    rows = (AuditEntry.objects.filter(filename=name)
            .filter(observatory__in=(observatory, ""))
            .values("date", "user", "action", "why", "details")[:ACTION_LIMIT])
    return [{**row, "date": queries.format_date(row["date"])} for row in rows]


def mapping_versions(observatory: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
    """The mapping ``name`` was derived from (if catalogued) and those derived from it."""
    parent = (record.get("derived_from") or "").strip()
    known_parent = parent if parent and FileRecord.objects.filter(
        observatory=observatory, name=parent).exists() else ""
    children = list(FileRecord.objects.filter(observatory=observatory, derived_from=name)
                    .order_by("name").values_list("name", flat=True))
    return {"derived_from": parent, "derived_from_known": bool(known_parent),
            "derived_by": children}


def predecessor_pmaps(observatory: str, name: str, limit: int = 100) -> list[str]:
    """Pmaps for the "diff versus" menu, newest first; the one just before ``name`` first."""
    pmaps = queries.pipeline_contexts(observatory)
    if name in pmaps:
        index = pmaps.index(name)
        before = pmaps[index + 1:]
        return (before + pmaps[:index])[:limit]
    return pmaps[:limit]


def load_mapping(name: str) -> tuple[Any, str]:
    """(parsed mapping or None, problem text) through the warm loader."""
    try:
        return contexts.load(name), ""
    except (CatalogError, CrdsError) as exc:
        return None, str(exc)


def lookup_patterns(observatory: str, record: dict[str, Any],
                    rmaps_naming: list[str]) -> dict[str, Any]:
    """Where the reference is selected: in its rmap of the operational context, else in the
    newest rmap naming it (``rmaps_naming``, newest first). The rmap, its parameter names and
    each (match tuple, useafter, previous file, next file) naming the reference."""
    operational = queries.default_contexts(observatory).get("operational", "")
    found: dict[str, Any] = {"context": operational, "rmap": "", "operational": False,
                             "parameters": [], "places": [], "problem": ""}
    instrument, filekind = record.get("instrument") or "", record.get("filekind") or ""
    operational_rmap = ""
    if operational and instrument and filekind:
        try:
            operational_rmap = contexts.resolve(
                f"{observatory}-{instrument}-{filekind}-operational")
        except (CatalogError, CrdsError) as exc:
            found["problem"] = str(exc)
    candidates = [name for name in (operational_rmap, *rmaps_naming[:1]) if name]
    for rmap_name in candidates:
        rmap, problem = load_mapping(rmap_name)
        if rmap is None:
            found["problem"] = problem
            continue
        places = relations.where_selected(rmap_rows(rmap), record["name"])
        if places:
            found.update(rmap=rmap_name, parameters=relations.rmap_parameters(rmap),
                         places=places, problem="", operational=rmap_name == operational_rmap)
            return found
    found["problem"] = found["problem"] or "no rules of the catalog select this file"
    return found


def rmap_rows(rmap: Any) -> list[relations.Row]:
    """The rows of a loaded rmap, computed once per rmap object (mappings are immutable)."""
    cached = rmap.__dict__.get("_browse_rows")
    if cached is None:
        cached = rmap.__dict__["_browse_rows"] = relations.rmap_rows(rmap.parsed.selector)
    return cached


def constraints(observatory: str, record: dict[str, Any]) -> dict[str, Any]:
    """The certify constraints (.tpn) of the reference's instrument and type."""
    from opencrds.observatories.definitions import DefinitionError

    from ...certify_definitions import mission_definition

    instrument, filekind = record.get("instrument") or "", record.get("filekind") or ""
    result: dict[str, Any] = {"files": [], "constraints": [], "problem": ""}
    if not (instrument and filekind):
        result["problem"] = "the file has no instrument and reference type"
        return result
    try:
        definition = mission_definition(observatory)
        result["files"] = [n for n in definition.constraint_files(instrument, filekind)
                           if n in definition.tpn_texts]
        result["constraints"] = [
            {"name": c.name, "keytype": c.keytype, "datatype": c.datatype,
             "presence": c.presence, "values": " ".join(c.values)}
            for c in definition.constraints_for(instrument, filekind)]
    except (DefinitionError, CrdsError, KeyError, OSError) as exc:
        result["problem"] = str(exc)
    return result

"""Bootstrap the catalog and the file store from an existing CRDS cache (idempotent).

* every mapping in ``mappings/<obs>/``: copied into the store, metadata from its header only;
* every reference in ``references/<obs>/`` (flat or per-instrument): copied, metadata from its
  FITS/ASDF/JSON/YAML header where cheap;
* ``config/<obs>/server_config``: context history, default contexts, bad files, and a catalog row
  (size and sha1 from ``download_metadata``) for every file the cache does not hold — those are
  not available for download.

Sizes and sha1sums of stored files are computed from the stored bytes. Instruments and types of
references come from the rmaps that name them (a regex scan, no parsing), else from the name.
Activation dates come from the context history through the pmap/imap trees.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from opencrds.protocol import crds_decode
from opencrds.rules.naming import is_mapping, properties_from_reference_name, split_mapping_name
from opencrds.rules.parser import parse_literal, parse_mapping_text

from .errors import ImportFailed
from .filestore import get_file_store, is_safe_name
from .metadata import mapping_header, reference_metadata, referenced_names
from .models import BuildContext, ContextHistory, DefaultContext, FileRecord

log = logging.getLogger(__name__)

#: Catalog fields an import sets (and overwrites when run again).
IMPORT_FIELDS = [
    "instrument", "filekind", "type", "reference_file_type", "state", "available", "rejected",
    "blacklisted", "sha1sum", "size", "uploaded_as", "derived_from", "description", "comment",
    "aperture", "pedigree", "useafter_date", "activation_date", "modified",
]
_SKIP_SUFFIXES = (".lock", ".tmp", ".pkl")


@dataclass
class ImportPlan:
    """What an import writes to the catalog: file records by name, context history (oldest
    first) and the source's server_config."""

    records: dict[str, dict[str, Any]]
    history: list[tuple[datetime.datetime, str, str]]
    config: dict[str, Any]


@dataclass
class ImportReport:
    """What an import did."""

    observatory: str
    mappings: int = 0
    references: int = 0
    unavailable: int = 0
    copied: int = 0
    history_added: int = 0
    bad_files: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.observatory}: {self.mappings} mappings, {self.references} references "
                f"stored ({self.copied} copied), {self.unavailable} catalogued but not available, "
                f"{self.history_added} history entries added, {self.bad_files} bad files, "
                f"{self.seconds:.1f} s")


def parse_history_date(text: str) -> datetime.datetime:
    """A server_config history date (``2019-09-09 16:09:51[.ffffff]``) as aware UTC."""
    moment = datetime.datetime.fromisoformat(str(text).strip())
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


def decode_metadata(value: Any) -> dict[str, dict[str, str]]:
    """``download_metadata`` of a server_config, crds_encoded or plain."""
    value = crds_decode(value)
    return value if isinstance(value, dict) else {}


def load_server_config(path: Path) -> dict[str, Any]:
    """A saved ``server_config`` (a Python literal, parsed safely) or {} if there is none."""
    if not path.is_file():
        return {}
    value = parse_literal(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(value, dict):
        raise ImportFailed(f"{path} does not hold a dictionary")
    return value


def _name_properties(name: str) -> tuple[str, str]:
    """(instrument, filekind) told by a file name, or blanks."""
    try:
        if is_mapping(name):
            parts = split_mapping_name(name)
            return parts.instrument or "", parts.filekind or ""
        ref = properties_from_reference_name(name)
        return ref.instrument, ref.filekind
    except ValueError:
        return "", ""


def _children(selector: Any) -> list[str]:
    if not isinstance(selector, dict):
        return []
    return [v for v in selector.values() if isinstance(v, str) and v.endswith((".imap", ".rmap"))]


class CacheImporter:
    """Imports ``source`` (a CRDS cache root) for one observatory."""

    def __init__(self, source: Path, observatory: str, *, link: bool = False,
                 user: str = "", echo: Callable[[str], None] | None = None) -> None:
        self.source = Path(source)
        self.observatory = observatory.lower()
        self.link = link
        self.user = user
        self.echo = echo or (lambda message: None)
        self.report = ImportReport(self.observatory)
        self.store = get_file_store()
        self._started = time.perf_counter()
        self._owner: dict[str, tuple[str, str]] = {}
        self._family_refs: dict[tuple[str, str], set[str]] = {}
        self._rmap_refs: dict[str, frozenset[str]] = {}
        self._context_text: dict[str, bytes] = {}

    # ---- entry points (called by services.import_cache, in this order) ---------------------

    def prepare(self) -> ImportPlan:
        """Read the source and put its files into the store; what the catalog must get."""
        self._started = time.perf_counter()
        mapping_dir = self.source / "mappings" / self.observatory
        reference_dir = self.source / "references" / self.observatory
        config = load_server_config(self.source / "config" / self.observatory / "server_config")
        if not mapping_dir.is_dir() and not config:
            raise ImportFailed(f"no mappings/{self.observatory} or config/{self.observatory}/"
                               f"server_config under {self.source}")
        if config and str(config.get("observatory", self.observatory)) != self.observatory:
            raise ImportFailed(f"server_config is for {config.get('observatory')!r}, "
                               f"not {self.observatory!r}")
        records: dict[str, dict[str, Any]] = {}
        self.echo(f"reading mappings from {mapping_dir}")
        for record in self._mappings(mapping_dir):
            records[record["name"]] = record
        for family, refs in self._family_refs.items():
            self._owner.update(dict.fromkeys(refs, family))
        self.echo(f"reading references from {reference_dir}")
        for record in self._references(reference_dir):
            records.setdefault(record["name"], record)
        metadata = decode_metadata(config.get("download_metadata"))
        for name, info in metadata.items():
            if name not in records and is_safe_name(name):
                records[name] = self._unavailable(name, info)
        history = self._history(config)
        self._set_activation(records, history)
        bad = set(config.get("bad_files_list") or ())
        for name, record in records.items():
            is_ref = record["type"] == "reference"
            record["rejected"] = name in bad and is_ref
            record["blacklisted"] = name in bad and not is_ref
        self.report.bad_files = len(bad & set(records))
        missing_bad = sorted(bad - set(records))
        if missing_bad:
            self.report.warnings.append(f"bad files unknown to the catalog: {missing_bad[:10]}")
        return ImportPlan(records, history, config)

    def save(self, plan: ImportPlan) -> None:
        """Write the catalog rows of ``plan`` (inside the caller's transaction)."""
        self.echo(f"writing {len(plan.records)} catalog records")
        self._save_records(plan.records.values())
        self._save_history(plan.history)
        self._save_defaults(plan.config, plan.records)

    def finish(self) -> ImportReport:
        """Store the mission's definitions and the reference layout; the report."""
        definitions = self.source / "definitions" / self.observatory
        if definitions.is_dir():  # a mission defined by data (observatory.yaml, types, tpns)
            self.store.save_definitions(self.observatory, definitions)
        if not self.store.exists(self.observatory, "ref_cache_subdir_mode", "config"):
            self.store.save_atomic(self.observatory, "ref_cache_subdir_mode", b"flat\n",
                                   "config")
        self.report.seconds = time.perf_counter() - self._started
        return self.report

    # ---- files ----------------------------------------------------------------------------

    def _new_record(self, name: str, **fields: Any) -> dict[str, Any]:
        """The catalog fields of one file (model field names)."""
        instrument, filekind = _name_properties(name)
        fields.setdefault("instrument", instrument)
        fields.setdefault("filekind", filekind)
        kind = "mapping" if is_mapping(name) else "reference"
        return dict(name=name, observatory=self.observatory, uploaded_as=name, type=kind,
                    state="archived", **fields)

    def _mappings(self, directory: Path) -> Iterable[dict[str, Any]]:
        if not directory.is_dir():
            return
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            name = entry.name
            if not entry.is_file() or not is_mapping(name) or not is_safe_name(name):
                continue
            data = Path(entry.path).read_bytes()
            try:
                header = mapping_header(data, name)
            except Exception as exc:
                self.report.warnings.append(f"skipped {name}: {exc}")
                continue
            observatory = str(header.get("observatory", "")).lower()
            if observatory != self.observatory:
                self.report.warnings.append(f"skipped {name}: observatory {observatory!r}")
                continue
            self._store_bytes(name, data)
            instrument = str(header.get("instrument", "") or "").lower()
            filekind = str(header.get("filekind", "") or "").lower()
            if name.endswith(".rmap"):
                refs = referenced_names(data)
                self._rmap_refs[name] = refs
                self._family_refs.setdefault((instrument, filekind), set()).update(refs)
            else:
                self._context_text[name] = data
            self.report.mappings += 1
            yield self._new_record(
                name, instrument=instrument, filekind=filekind, available=True,
                sha1sum=hashlib.sha1(data).hexdigest(), size=len(data),
                derived_from=str(header.get("derived_from", "") or "")[:256],
                description=str(header.get("description", "") or ""))

    def _store_bytes(self, name: str, data: bytes) -> None:
        try:
            if (self.store.size(self.observatory, name, "mappings") == len(data)
                    and self.store.read_bytes(self.observatory, name, "mappings") == data):
                return
        except OSError:
            pass
        self.store.save_atomic(self.observatory, name, data, "mappings")
        self.report.copied += 1

    def _references(self, directory: Path) -> Iterable[dict[str, Any]]:
        if not directory.is_dir():
            return
        seen: set[str] = set()
        for folder, dirs, files in os.walk(directory):  # symlinked dirs (jref -> acs) skipped
            dirs.sort()
            for name in sorted(files):
                source = Path(folder) / name
                if (name in seen or name.endswith(_SKIP_SUFFIXES) or is_mapping(name)
                        or not is_safe_name(name) or not source.is_file()):
                    continue
                seen.add(name)
                if not self.store.holds_copy_of(self.observatory, name, source, "references"):
                    self.store.save_from_path(self.observatory, name, source, "references",
                                              link=self.link)
                    self.report.copied += 1
                sha1 = self.store.sha1(self.observatory, name, "references")
                size = self.store.size(self.observatory, name, "references")
                # the header is read from the source: the same bytes, and always a local file
                fields = {k: v for k, v in reference_metadata(source).items() if v}
                instrument, filekind = self._owner.get(name, ("", ""))
                if instrument:
                    fields["instrument"] = instrument
                if filekind:
                    fields["filekind"] = filekind
                self.report.references += 1
                yield self._new_record(name, available=True, sha1sum=sha1, size=size, **fields)

    def _unavailable(self, name: str, info: dict[str, str]) -> dict[str, Any]:
        self.report.unavailable += 1
        fields: dict[str, Any] = {}
        instrument, filekind = self._owner.get(name, ("", ""))
        if instrument:
            fields.update(instrument=instrument, filekind=filekind)
        try:
            size: int | None = int(info.get("size", ""))
        except (TypeError, ValueError):
            size = None
        sha1 = str(info.get("sha1sum", "") or "").lower()
        return self._new_record(name, available=False, size=size,
                                sha1sum="" if sha1 == "none" else sha1[:40], **fields)

    # ---- history and contexts -------------------------------------------------------------

    def _history(self, config: dict[str, Any]) -> list[tuple[datetime.datetime, str, str]]:
        """Context history, oldest first."""
        rows = []
        for entry in config.get("context_history") or ():
            try:
                date, context, description = entry[0], entry[1], entry[2]
                rows.append((parse_history_date(date), str(context), str(description)))
            except (IndexError, TypeError, ValueError) as exc:
                self.report.warnings.append(f"bad history entry {entry!r}: {exc}")
        rows.sort(key=lambda row: row[0])
        return rows

    def _selector(self, name: str) -> Any:
        data = self._context_text.get(name)
        if data is None:
            return None
        try:
            return parse_mapping_text(data.decode("utf-8"), name).selector
        except Exception:
            return None

    def _set_activation(self, records: dict[str, dict[str, Any]],
                        history: list[tuple[datetime.datetime, str, str]]) -> None:
        """Activation date = first time a file was part of the latest context."""
        activation: dict[str, datetime.datetime] = {}
        selectors: dict[str, Any] = {}

        def closure(name: str) -> list[str]:
            if name not in selectors:
                selectors[name] = self._selector(name)
            names = [name]
            for child in _children(selectors[name]):
                names.extend(closure(child) if child.endswith(".imap") else [child])
            return names

        done: set[str] = set()
        active_refs: set[str] = set()
        empty: frozenset[str] = frozenset()
        for date, context, description in history:
            record = records.get(context)
            if record is not None and not record.get("description"):
                record["description"] = description
            if context in done:
                continue
            done.add(context)
            for name in closure(context):
                if name not in activation:
                    activation[name] = date
                    new_refs = self._rmap_refs.get(name, empty) - active_refs
                    if new_refs:
                        active_refs.update(new_refs)
                        activation.update(dict.fromkeys(new_refs, date))
        for name, date in activation.items():
            record = records.get(name)
            if record is not None:
                record["activation_date"] = date

    # ---- saving ---------------------------------------------------------------------------

    def _save_records(self, records: Iterable[dict[str, Any]]) -> None:
        upsert_records(list(records))

    def _save_history(self, history: list[tuple[datetime.datetime, str, str]]) -> None:
        existing = set(ContextHistory.objects.filter(observatory=self.observatory)
                       .values_list("start_date", "context"))
        new = [ContextHistory(observatory=self.observatory, start_date=date, context=context,
                              description=description, state="archived")
               for date, context, description in history if (date, context) not in existing]
        ContextHistory.objects.bulk_create(new, batch_size=500)
        self.report.history_added = len(new)
        newest = (ContextHistory.objects.filter(observatory=self.observatory)
                  .order_by("-start_date", "-id").first())
        if newest is not None:
            ContextHistory.objects.filter(observatory=self.observatory).exclude(
                pk=newest.pk).filter(state="operational").update(state="archived")
            ContextHistory.objects.filter(pk=newest.pk).update(state="operational")

    def _save_defaults(self, config: dict[str, Any], records: dict[str, Any]) -> None:
        pmaps = sorted((n for n in records if n.endswith(".pmap")),
                       key=lambda n: (n.count("_"), n))
        newest = pmaps[-1] if pmaps else ""
        operational = str(config.get("latest_context") or config.get("operational_context")
                          or newest)
        values = {
            DefaultContext.Kind.OPERATIONAL: operational,
            DefaultContext.Kind.EDIT: str(config.get("edit_context") or operational),
            DefaultContext.Kind.VERSIONS: str(config.get("versions_context") or ""),
        }
        for kind, context in values.items():
            DefaultContext.objects.update_or_create(
                observatory=self.observatory, kind=kind, defaults={"context": context})
        build = config.get("build_context")
        calver = config.get("build_calver") or config.get("calver")
        if build and calver:
            BuildContext.objects.update_or_create(
                observatory=self.observatory, calver=str(calver),
                defaults={"context": str(build), "banner": True})
        if not ContextHistory.objects.filter(observatory=self.observatory).exists() and operational:
            ContextHistory.objects.create(
                observatory=self.observatory, start_date=datetime.datetime.now(datetime.UTC),
                context=operational, state="operational",
                description="Set by import: the cache had no context history.")
            self.report.history_added += 1


def upsert_records(records: list[dict[str, Any]]) -> None:
    """Insert or update catalog rows by (observatory, name), fast: multi-row
    ``INSERT ... ON CONFLICT DO UPDATE`` statements (SQLite and PostgreSQL), model defaults
    filled in.

    ``bulk_create`` spends ~10 s preparing the 1.3 million values of an HST import, and one
    statement per row costs a round trip each on PostgreSQL.
    """
    if not records:
        return
    now = timezone.now()
    fields = [f for f in FileRecord._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(created=now, modified=now)
    ops = connection.ops
    quote = ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in
                        (FileRecord._meta.get_field(n).column for n in IMPORT_FIELDS))
    adapted: dict[Any, Any] = {None: None}

    def adapt(value: Any) -> Any:  # few distinct dates: adapt each once
        if value not in adapted:
            adapted[value] = ops.adapt_datetimefield_value(value)
        return adapted[value]

    names = [f.attname for f in fields]
    is_date = [f.get_internal_type() == "DateTimeField" for f in fields]
    rows = []
    for record in records:
        values = {**defaults, **record}
        rows.append([adapt(values[n]) if d else values[n] for n, d in zip(names, is_date,
                                                                            strict=True)])
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(FileRecord._meta.db_table)
    conflict = f"ON CONFLICT ({quote('observatory')}, {quote('name')}) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql":  # COPY into a scratch table, then one upsert
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE opencrds_import AS SELECT {columns} "
                           f"FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY opencrds_import ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} "
                           f"FROM opencrds_import {conflict}")
            cursor.execute("DROP TABLE opencrds_import")
        return
    max_params = connection.features.max_query_params or 999
    per_statement = max(1, min(1000, max_params // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            sql = (f"INSERT INTO {table} ({columns}) VALUES "
                   f"{', '.join([row_marks] * len(batch))} {conflict}")
            cursor.execute(sql, [value for row in batch for value in row])

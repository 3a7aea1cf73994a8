"""Every change of the server's state, one function each.

Admin actions, JSON-RPC methods, management commands (and later web views and jobs) call these
and never write models themselves. Each service runs inside ``transaction.atomic`` (a failure
leaves no trace in the catalog), takes the ``user`` it acts for (recorded in the audit log),
writes its :class:`AuditEntry` and returns what it made or changed.

Services that change what clients are served from the catalog (files, their flags, contexts,
history) bump the catalog revision explicitly, once, so every process drops its
:mod:`revision cache <.revision_cache>`. Pipeline keys, remote contexts and dataset headers are
read live and cached nowhere: changing them does not bump the revision (a pipeline pushing its
context at every sync would otherwise drop the warm caches each time). Rows edited outside the
services (the admin's change forms, ``manage shell``) still bump it through
:mod:`.signals`.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from opencrds.rules.naming import name_serial

from . import queries, signals
from .contexts import check_observatory, require_mapping
from .datasets import INSTRUMENT_KEYS, Identity, store_header
from .errors import CatalogError, InvalidPipelineKey, UnknownContext, UnknownFile
from .importer import CacheImporter, ImportReport
from .models import (
    AuditEntry,
    BuildContext,
    CatalogRevision,
    ContextHistory,
    DefaultContext,
    FileRecord,
    RemoteContext,
)


def audit(user: str, observatory: str, action: str, filename: str = "", why: str = "",
          details: str = "", date: datetime.datetime | None = None) -> AuditEntry:
    """Record one action in the audit log (services call it inside their transaction);
    ``date`` only for actions of the past being recorded now (default: now)."""
    return AuditEntry.objects.create(user=user, observatory=observatory, action=action,
                                     filename=filename, why=why, details=details,
                                     date=date or timezone.now())


@contextlib.contextmanager
def catalog_change(*observatories: str) -> Iterator[None]:
    """A transaction that bumps the revision of each of ``observatories`` once at its end."""
    with transaction.atomic(), signals.explicit_revision_bumps():
        yield
        for observatory in dict.fromkeys(observatories):
            CatalogRevision.bump(observatory)


# ---- files ------------------------------------------------------------------------------------


def import_cache(source: Path, observatory: str, *, user: str = "", link: bool = False,
                 echo: Callable[[str], None] | None = None) -> ImportReport:
    """Import a CRDS cache (files into the store, then their catalog rows, context history and
    default contexts in one transaction); :class:`~.errors.ImportFailed` if it cannot be."""
    importer = CacheImporter(source, observatory, link=link, user=user, echo=echo)
    plan = importer.prepare()
    with catalog_change(importer.observatory):
        importer.save(plan)
        audit(user, importer.observatory, "import cache", filename=str(source),
              why="bootstrap from an existing CRDS cache", details=importer.report.summary())
    return importer.finish()


class OperationRefused(CatalogError):
    """An operator action the catalog's rules do not allow (a context with bad files, a
    reason missing or with characters CRDS does not accept, a file that cannot be marked)."""


#: What a reason for a new latest context may hold (as CRDS): letters, digits, hyphens,
#: commas, periods and spaces (line breaks of a text area count as spaces).
REASON_RE = re.compile(r"[A-Za-z0-9\-,. \r\n\t]+")
#: The kinds of :func:`set_default_context` (``latest`` is the operational context).
CONTEXT_KINDS = {"latest": DefaultContext.Kind.OPERATIONAL,
                 "operational": DefaultContext.Kind.OPERATIONAL,
                 "edit": DefaultContext.Kind.EDIT, "versions": DefaultContext.Kind.VERSIONS}


def require_reason(why: str, *, strict: bool = False) -> str:
    """``why`` stripped; :class:`OperationRefused` if it is blank or, when ``strict``, holds
    a character other than those :data:`REASON_RE` allows."""
    why = (why or "").strip()
    if not why:
        raise OperationRefused("a reason is required")
    if strict and not REASON_RE.fullmatch(why):
        bad = sorted({c for c in why if not REASON_RE.fullmatch(c)})
        raise OperationRefused(
            "the reason may hold only letters, digits, hyphens, commas, periods and spaces, "
            f"not {' '.join(repr(c) for c in bad)}")
    return why


@dataclass
class MarkReport:
    """What :func:`mark_files` changed: the files named, and the mappings blacklisted or
    cleared because they contain one of them."""

    bad: bool
    marked: list[str] = field(default_factory=list)
    also_blacklisted: list[str] = field(default_factory=list)
    also_cleared: list[str] = field(default_factory=list)


def mark_files(observatory: str | None, names: Iterable[str], bad: bool, *, user: str,
               why: str) -> MarkReport:
    """Mark files of the served observatory bad or OK by name (SERVER.md §1.21); see
    :func:`set_bad`. :class:`~.errors.UnknownFile` names every file the catalog lacks."""
    observatory = check_observatory(observatory)
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not wanted:
        raise OperationRefused("no file named")
    records = {r.name: r for r in FileRecord.objects.filter(observatory=observatory,
                                                            name__in=wanted)}
    unknown = [name for name in wanted if name not in records]
    if unknown:
        raise UnknownFile(f"not known to CRDS: {', '.join(unknown)}")
    why = require_reason(why)
    with catalog_change(observatory):
        return _mark(observatory, [records[name] for name in wanted], bad, user=user, why=why)


def set_bad(records: Iterable[FileRecord], bad: bool, *, user: str, why: str = "admin"
            ) -> list[FileRecord]:
    """Mark files bad or good again (SERVER.md §1.21); the records named.

    A bad reference is *rejected* (only itself). A bad mapping is *blacklisted*, and so is
    every mapping whose closure contains it (the imaps naming a bad rmap, the pmaps naming
    those). Marking a mapping OK clears it and the mappings blacklisted only because of it (one
    marked bad itself, or containing another bad mapping, stays bad); a mapping that still
    contains a bad mapping cannot be marked OK. One audit entry per file named, its details
    listing the mappings changed with it; one revision bump per observatory."""
    changed = list(records)
    why = require_reason(why)
    by_observatory: dict[str, list[FileRecord]] = {}
    for record in changed:
        by_observatory.setdefault(record.observatory, []).append(record)
    with catalog_change(*by_observatory):
        for observatory, group in by_observatory.items():
            _mark(observatory, group, bad, user=user, why=why)
    return changed


def _mark(observatory: str, records: list[FileRecord], bad: bool, *, user: str, why: str
          ) -> MarkReport:
    """Mark ``records`` (of ``observatory``), inside the caller's :func:`catalog_change`."""
    report = MarkReport(bad, marked=[r.name for r in records])
    mappings = {r.name for r in records if r.type == FileRecord.Kind.MAPPING}
    if bad:
        related = sorted(queries.referring_mappings(observatory, mappings))
        report.also_blacklisted = [
            name for start in range(0, len(related), 500)
            for name in FileRecord.objects.filter(
                observatory=observatory, name__in=related[start:start + 500],
                blacklisted=False).values_list("name", flat=True)]
        report.also_blacklisted.sort()
        _set_flag(observatory, report.also_blacklisted, "blacklisted", True)
    else:
        report.also_cleared = _clear_blacklist(observatory, mappings)
    details = _related_details(report)
    for record in records:
        if record.type == FileRecord.Kind.MAPPING:
            record.blacklisted = bad
        else:
            record.rejected = bad
        record.save()
        audit(user, observatory, "mark bad" if bad else "mark ok", filename=record.name,
              why=why, details=details if record.name in mappings else "")
    return report


def _related_details(report: MarkReport) -> str:
    if report.also_blacklisted:
        return "also blacklisted (they contain it): " + ", ".join(report.also_blacklisted)
    if report.also_cleared:
        return "also cleared: " + ", ".join(report.also_cleared)
    return ""


def _set_flag(observatory: str, names: list[str], flag: str, value: bool) -> None:
    for start in range(0, len(names), 500):
        FileRecord.objects.filter(observatory=observatory, name__in=names[start:start + 500]
                                  ).update(**{flag: value})


def _clear_blacklist(observatory: str, mappings: set[str]) -> list[str]:
    """Clear the blacklisting that ``mappings`` (being marked OK) caused; the other mappings
    cleared. Refuses mappings that still contain a bad mapping."""
    if not mappings:
        return []
    related = queries.referring_mappings(observatory, mappings)
    family = related | mappings
    children = {name: queries.child_mappings(observatory, name) for name in family}
    flags = _flags(observatory, family.union(*children.values()))
    last_marks = _last_marks(observatory, [name for name in related if flags.get(name)])
    # marked bad itself: its last mark says so, or (imported bad, never marked here) no bad
    # mapping inside it explains its flag
    explicit = {name for name, last in last_marks.items() if last == "mark bad" or (
        last is None and not any(flags.get(kid) for kid in children[name]))}
    still_bad = {name: flags.get(name, False) for name in flags}
    for name in mappings:
        still_bad[name] = False
    cleared: list[str] = []
    for level in (".rmap", ".imap", ".pmap"):  # bottom up
        for name in sorted(n for n in related | mappings if n.endswith(level)):
            bad_kids = [kid for kid in children[name] if still_bad.get(kid)]
            if name in mappings:
                if bad_kids:
                    raise OperationRefused(f"'{name}' cannot be marked OK: it contains bad "
                                           f"mapping(s) {', '.join(bad_kids)}")
            elif still_bad[name] and name not in explicit and not bad_kids:
                still_bad[name] = False
                cleared.append(name)
    _set_flag(observatory, cleared, "blacklisted", False)
    return sorted(cleared)


def _flags(observatory: str, names: set[str]) -> dict[str, bool]:
    """``{name: blacklisted}`` of the catalogued mappings among ``names``."""
    ordered, flags = sorted(names), {}
    for start in range(0, len(ordered), 500):
        flags.update(FileRecord.objects.filter(observatory=observatory,
                                               name__in=ordered[start:start + 500])
                     .values_list("name", "blacklisted"))
    return flags


def _last_marks(observatory: str, names: list[str]) -> dict[str, str | None]:
    """``{name: 'mark bad' | 'mark ok' | None}``: the last mark audited for each of ``names``."""
    last: dict[str, str | None] = dict.fromkeys(names)
    for start in range(0, len(names), 500):
        last.update(AuditEntry.objects.filter(observatory=observatory,
                                              filename__in=names[start:start + 500],
                                              action__in=("mark bad", "mark ok"))
                    .order_by("date", "id").values_list("filename", "action"))
    return last


# ---- contexts ---------------------------------------------------------------------------------


def set_default_context(observatory: str | None, kind: str, context: str, *, user: str,
                        why: str) -> DefaultContext:
    """Point the ``latest`` (operational), ``edit`` or ``versions`` context at ``context``, a
    downloadable .pmap of the served observatory (SERVER.md §1.15).

    A new latest context needs a reason (:func:`require_reason`, strict), must contain no bad
    file (:class:`OperationRefused` lists them; an older context, a reversion, is allowed), is
    appended to the context history, and gives every file of its closure that had none an
    activation date."""
    observatory = check_observatory(observatory)
    try:
        pointer = CONTEXT_KINDS[(kind or "").lower()]
    except KeyError:
        raise OperationRefused(f"unknown context type '{kind}': one of "
                               f"{', '.join(CONTEXT_KINDS)} (build: set_build_context)") from None
    _require_pipeline_context(context)
    latest = pointer == DefaultContext.Kind.OPERATIONAL
    if latest:
        why = require_reason(why, strict=True)
        mapping_names, reference_names = queries.context_closure(observatory, context)
        bad = queries.bad_files_in(observatory, [*mapping_names, *reference_names])
        if bad:
            raise OperationRefused(f"'{context}' cannot be the latest context: it contains bad "
                                   f"files {', '.join(bad)}")
    with catalog_change(observatory):
        now = timezone.now()
        previous = (DefaultContext.objects.filter(observatory=observatory, kind=pointer)
                    .values_list("context", flat=True).first()) or ""
        row, _created = DefaultContext.objects.update_or_create(
            observatory=observatory, kind=pointer, defaults={"context": context, "updated": now})
        if latest:
            ContextHistory.objects.filter(observatory=observatory, state="operational").update(
                state="archived")
            ContextHistory.objects.create(observatory=observatory, start_date=now,
                                          context=context, state="operational", description=why)
            names = sorted({*mapping_names, *reference_names})
            for start in range(0, len(names), 500):
                FileRecord.objects.filter(observatory=observatory,
                                          name__in=names[start:start + 500],
                                          activation_date__isnull=True
                                          ).update(activation_date=now)
        audit(user, observatory, "set default context", filename=context, why=why,
              details=f"{pointer} context changed from '{previous}' to '{context}'")
    return row


def set_build_context(observatory: str | None, calver: str, context: str, *, user: str,
                      why: str, banner: bool = False) -> BuildContext:
    """The context of a calibration software version (SERVER.md §1.15). ``banner`` makes it
    the pipeline build context (the one ``get_server_info`` shows) only if it is newer than
    the current banner context: the row returned says whether it got the banner."""
    observatory = check_observatory(observatory)
    calver = (calver or "").strip()
    if not calver:
        raise OperationRefused("a CAL version is required for a build context")
    _require_pipeline_context(context)
    with catalog_change(observatory):
        current = (BuildContext.objects.filter(observatory=observatory, banner=True)
                   .values_list("context", flat=True).first())
        take_banner = banner and (current is None or name_serial(context) > name_serial(current))
        if take_banner:
            BuildContext.objects.filter(observatory=observatory).update(banner=False)
        row, created = BuildContext.objects.get_or_create(
            observatory=observatory, calver=calver, defaults={"context": context})
        row.context, row.updated = context, timezone.now()
        row.banner = take_banner or (row.banner and not created and not banner)
        row.save()
        note = ""
        if banner and not take_banner:
            note = f"; banner kept on '{current}' (not older than '{context}')"
        audit(user, observatory, "set default context", filename=context, why=why,
              details=f"build context of CAL version {calver} set to '{context}'{note}")
    return row


def _require_pipeline_context(context: str) -> None:
    require_mapping(context)
    if not context.endswith(".pmap"):
        raise UnknownContext(f"'{context}' is not a pipeline context (.pmap)")


# ---- pipelines --------------------------------------------------------------------------------


def key_hash(key: str) -> str:
    """SHA-256 of a pipeline key, as stored in :class:`RemoteContext`."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_pipeline(observatory: str | None, name: str, key: str | None = None, *, user: str = ""
                 ) -> str:
    """Register a pipeline allowed to push its context (an existing one gets the new key);
    the key, a new random one unless given."""
    observatory = check_observatory(observatory)
    key = key or secrets.token_urlsafe(24)
    with transaction.atomic():
        RemoteContext.objects.update_or_create(observatory=observatory, name=name,
                                               defaults={"key_hash": key_hash(key)})
        audit(user, observatory, "add pipeline", filename=name, why="pipeline key set")
    return key


def push_remote_context(observatory: str | None, key: str, context: str,
                        kind: str | None = None) -> RemoteContext:
    """Record the context the pipeline holding ``key`` now uses (``crds sync
    --push-context``); the pipeline is the user of the audit entry."""
    served = check_observatory(observatory)
    remote = RemoteContext.objects.filter(observatory=served, key_hash=key_hash(key)).first()
    if remote is None:
        raise InvalidPipelineKey("Unknown pipeline key.")
    _require_pipeline_context(context)
    with transaction.atomic():
        remote.kind = "latest" if kind in (None, "", "operational") else kind
        remote.context = context
        remote.updated = timezone.now()
        remote.save()
        audit(remote.name, served, "push context", filename=context,
              why=f"pipeline '{remote.name}' synced")
    return remote


@dataclass(frozen=True)
class PastDelivery:
    """Files delivered before the catalog existed (a cache import knows no deliveries): when,
    by whom, why, and the files in delivery order."""

    date: datetime.datetime
    user: str
    why: str
    files: tuple[str, ...]


def record_past_deliveries(observatory: str | None, deliveries: Iterable[PastDelivery], *,
                           user: str) -> int:
    """Give catalogued files their delivery (date, deliverer, and the reason as a reference's
    description) and audit each as ``submit file`` at its delivery date, by its deliverer;
    the number of files. Files the catalog does not hold are :class:`UnknownFile`."""
    observatory = check_observatory(observatory)
    count = 0
    with catalog_change(observatory):
        for delivery in deliveries:
            known = set(FileRecord.objects.filter(observatory=observatory,
                                                  name__in=delivery.files)
                        .values_list("name", flat=True))
            missing = [name for name in delivery.files if name not in known]
            if missing:
                raise UnknownFile(f"not in the catalog: {', '.join(missing)}")
            records = FileRecord.objects.filter(observatory=observatory, name__in=known)
            records.update(delivery_date=delivery.date, deliverer_user=delivery.user)
            records.filter(type=FileRecord.Kind.REFERENCE).update(description=delivery.why)
            for name in delivery.files:
                audit(delivery.user, observatory, "submit file", filename=name,
                      why=delivery.why, date=delivery.date)
            count += len(delivery.files)
        audit(user, observatory, "record past deliveries",
              details=f"{count} files delivered before the catalog existed")
    return count


# ---- datasets ---------------------------------------------------------------------------------


def add_dataset_header(observatory: str | None, dataset_id: str, header: dict[str, Any], *,
                       user: str = "", source: str = "") -> str:
    """Store (or replace) the header of a dataset known by its id (``PRODUCT:EXPOSURE``, or
    one name for both); the two-part id."""
    observatory = check_observatory(observatory)
    product, _, exposure = dataset_id.upper().partition(":")
    instrument = next((str(header[k]) for k in INSTRUMENT_KEYS if header.get(k)), "")
    if not product or not instrument:
        raise ValueError(f"dataset '{dataset_id}': no id or no instrument in its header")
    identity = Identity(product, exposure or product, instrument.lower())
    with transaction.atomic():
        record = store_header(observatory, source or identity.dataset_id, header, identity)
        audit(user, observatory, "import dataset", filename=record.dataset_id,
              why=f"header of {record.dataset_id}")
    return record.dataset_id


def import_dataset(observatory: str | None, path: str, *, user: str = "") -> str:
    """Read and store (or replace) the header of one dataset file; its dataset id. Errors
    reading the file are those of :func:`opencrds.io.read_header` (HeaderError, OSError) or
    ValueError for a header that names no instrument."""
    from opencrds.io import read_header

    observatory = check_observatory(observatory)
    header = read_header(path)
    with transaction.atomic():
        record = store_header(observatory, path, header)
        audit(user, observatory, "import dataset", filename=record.dataset_id,
              why=f"header of {os.path.basename(path)}")
    return record.dataset_id

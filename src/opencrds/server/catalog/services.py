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
import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from . import signals
from .contexts import check_observatory, require_mapping
from .datasets import store_header
from .errors import InvalidPipelineKey, UnknownContext
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
          details: str = "") -> AuditEntry:
    """Record one action in the audit log (services call it inside their transaction)."""
    return AuditEntry.objects.create(user=user, observatory=observatory, action=action,
                                     filename=filename, why=why, details=details)


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


def set_bad(records: Iterable[FileRecord], bad: bool, *, user: str, why: str = "admin"
            ) -> list[FileRecord]:
    """Mark files bad (a reference rejected, a mapping blacklisted) or good again; the
    records changed."""
    changed = list(records)
    with catalog_change(*(record.observatory for record in changed)):
        for record in changed:
            if record.type == FileRecord.Kind.MAPPING:
                record.blacklisted = bad
            else:
                record.rejected = bad
            record.save()
            audit(user, record.observatory, "mark bad" if bad else "mark ok",
                  filename=record.name, why=why)
    return changed


# ---- contexts ---------------------------------------------------------------------------------


def set_default_context(observatory: str, kind: str, context: str, *, user: str, why: str
                        ) -> DefaultContext:
    """Point the ``operational`` (latest), ``edit`` or ``versions`` context at ``context``, a
    downloadable .pmap. A new operational context is appended to the context history."""
    observatory = check_observatory(observatory)
    kind = DefaultContext.Kind(kind)
    _require_pipeline_context(context)
    with catalog_change(observatory):
        previous = (DefaultContext.objects.filter(observatory=observatory, kind=kind)
                    .values_list("context", flat=True).first()) or ""
        row, _created = DefaultContext.objects.update_or_create(
            observatory=observatory, kind=kind,
            defaults={"context": context, "updated": timezone.now()})
        if kind == DefaultContext.Kind.OPERATIONAL:
            ContextHistory.objects.filter(observatory=observatory, state="operational").update(
                state="archived")
            ContextHistory.objects.create(observatory=observatory, start_date=timezone.now(),
                                          context=context, state="operational", description=why)
        audit(user, observatory, "set default context", filename=context, why=why,
              details=f"{kind} context changed from '{previous}' to '{context}'")
    return row


def set_build_context(observatory: str, calver: str, context: str, *, user: str, why: str,
                      banner: bool = False) -> BuildContext:
    """The context of a calibration software version; ``banner`` makes it the pipeline build
    context (the one ``get_server_info`` shows)."""
    observatory = check_observatory(observatory)
    _require_pipeline_context(context)
    with catalog_change(observatory):
        if banner:
            BuildContext.objects.filter(observatory=observatory).update(banner=False)
        row, _created = BuildContext.objects.update_or_create(
            observatory=observatory, calver=calver,
            defaults={"context": context, "banner": banner, "updated": timezone.now()})
        audit(user, observatory, "set default context", filename=context, why=why,
              details=f"build context of CAL version {calver} set to '{context}'")
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
        remote.kind = kind or "latest"
        remote.context = context
        remote.updated = timezone.now()
        remote.save()
        audit(remote.name, served, "push context", filename=context,
              why=f"pipeline '{remote.name}' synced")
    return remote


# ---- datasets ---------------------------------------------------------------------------------


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

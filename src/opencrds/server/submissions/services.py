"""Every change of a submission's state (SERVER.md §2.2-§2.3): :func:`create_submission`,
:func:`record_outcome` (the task's end), :func:`confirm`, :func:`cancel` and :func:`recover`.
Catalog rows of a confirmed delivery are written by the catalog service
:func:`~opencrds.server.catalog.delivery_services.add_delivered_files`.

States: STARTED -> READY | BAD FILES | FAIL | DONE (certify, difference); READY ->
CONFIRMING -> CONFIRMED | FORCED; STARTED | READY -> CANCELLED. A final submission's staging
folder is removed. E-mails are sent after the change commits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opencrds.atomic import TEMP_PREFIX
from opencrds.rules.errors import CrdsError
from opencrds.rules.naming import is_mapping
from opencrds.server.accounts import locks
from opencrds.server.accounts.roles import is_operator
from opencrds.server.catalog.contexts import check_observatory
from opencrds.server.catalog.filestore import get_file_store, is_safe_name
from opencrds.server.catalog.metadata import mapping_header, reference_metadata
from opencrds.server.catalog.models import DefaultContext

from . import notify, serials
from .delivery import write_manifest
from .jpoll.channels import open_channel
from .models import Delivery, JpollChannel, Submission
from .processing import staging
from .processing.collisions import context_collisions
from .processing.progress import progress_for

log = logging.getLogger("opencrds.submissions")
Kind, Status = Submission.Kind, Submission.Status

#: Form fields kept in their own columns; the others go to ``parameters``.
COLUMNS = ("description", "creator", "change_level", "auto_rename", "compare_old_reference",
           "generate_contexts", "derive_from", "instrument")
#: Kinds whose READY result can be confirmed.
CONFIRMABLE = (Kind.BATCH, Kind.REDCAT, Kind.REFERENCES, Kind.MAPPINGS, Kind.ADD, Kind.DELETE)


class SubmissionError(CrdsError):
    """A submission cannot be created, confirmed or cancelled as asked."""


class SubmissionForbidden(SubmissionError):
    """The user may not do this to the submission (not its submitter, not an operator)."""


# ---- creation -------------------------------------------------------------------------------


def _edit_context(observatory: str) -> str:
    rows = dict(DefaultContext.objects.filter(observatory=observatory)
                .values_list("kind", "context"))
    return rows.get(DefaultContext.Kind.EDIT) or rows.get(DefaultContext.Kind.OPERATIONAL) or ""


def create_submission(user: Any, kind: str, observatory: str, fields: dict[str, Any],
                      files: list[Path]) -> Submission:
    """A new STARTED submission of ``kind``: its row, its staging folder holding ``files``
    (moved there) and a jpoll channel (``fields["channel"]``, else a new one). ``fields``:
    description, creator, change_level, auto_rename, compare_old_reference,
    generate_contexts, derive_from (a resolved pmap; default the edit context), instrument,
    base_url (of the form's request, for result links) and any others (ReDCaT fields,
    ``added``/``deleted`` name lists, ``file1``/``file2``), kept in ``parameters``."""
    observatory = check_observatory(observatory)
    try:
        kind = Kind(kind)
    except ValueError:
        raise SubmissionError(f"Unknown submission kind {kind!r}") from None
    for path in files:
        if not is_safe_name(Path(path).name) or not Path(path).is_file():
            raise SubmissionError(f"Cannot submit {str(path)!r}: not a plain file")
    names = [Path(p).name for p in files]
    if len(set(names)) != len(names):
        raise SubmissionError(f"Files submitted twice under one name: {sorted(names)}")
    fields = dict(fields)
    columns = {k: fields.pop(k) for k in COLUMNS if k in fields}
    columns["derive_from"] = columns.get("derive_from") or _edit_context(observatory)
    columns["instrument"] = str(columns.get("instrument") or "").lower()
    key = str(fields.pop("channel", "") or "")
    authenticated = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        if key:
            channel, _ = JpollChannel.objects.get_or_create(key=key,
                                                            defaults={"user": authenticated})
        else:
            channel = JpollChannel.objects.get(key=open_channel(authenticated))
        submission = Submission.objects.create(
            observatory=observatory, kind=kind, user=authenticated,
            username=getattr(user, "username", "") or "", channel=channel,
            parameters=_jsonable(fields), **columns)
    root = staging.make_staging(submission)
    for path in files:
        shutil.move(str(path), root / staging.UPLOADED / Path(path).name)
    transaction.on_commit(lambda: notify.notify(submission, "started"))
    return submission


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# ---- the task's end ------------------------------------------------------------------------


def record_outcome(submission: Submission, status: str, result: dict[str, Any],
                   new_context: str = "") -> Submission:
    """Store the processing's ``result`` and ``status`` (only if the submission is still
    STARTED: one cancelled meanwhile stays so); a final status removes the staging folder.
    Sends the status e-mail."""
    shape = {"starting_context": submission.derive_from, "new_context": new_context,
             "files": [], "generated": [], "diffs": [], "collisions": [], "errors": [],
             "warnings": []}
    updated = Submission.objects.filter(pk=submission.pk, status=Status.STARTED).update(
        status=status, result=_jsonable({**shape, **result}), new_context=new_context,
        processed=timezone.now())
    submission.refresh_from_db()
    if submission.is_final:
        staging.remove_staging(submission)
    if updated and status != Status.DONE:
        notify.notify(submission, str(status))
    return submission


def record_worker(submission: Submission) -> None:
    """Note which process works on ``submission`` (host and pid), so that a worker killed
    while the consumer lives on is noticed (:func:`fail_abandoned`)."""
    worker = {"host": socket.gethostname(), "pid": os.getpid()}
    submission.parameters = {**submission.parameters, "worker": worker}
    Submission.objects.filter(pk=submission.pk).update(parameters=submission.parameters)


def _fail_interrupted(submission: Submission, report: dict[str, list[str]]) -> None:
    message = "Submission processing was interrupted (the queue worker stopped)."
    progress_for(submission.channel_id).error(message)
    record_outcome(submission, Status.FAIL, {"errors": [message]})
    progress_for(submission.channel_id).done(1, _url(submission))
    report["failed"].append(str(submission.pk))


def fail_abandoned() -> dict[str, list[str]]:
    """FAIL the STARTED submissions whose worker process, on this host, is gone (killed while
    the consumer went on: Huey starts a new worker but the task is lost). Run every minute by
    the queue (:mod:`.tasks`); safe beside live work, which has a living worker."""
    report: dict[str, list[str]] = {"failed": []}
    host = socket.gethostname()
    for submission in Submission.objects.filter(status=Status.STARTED):
        worker = submission.parameters.get("worker") or {}
        if worker.get("host") == host and isinstance(worker.get("pid"), int) \
                and not _running(worker["pid"]):
            _fail_interrupted(submission, report)
    return report


# ---- confirm ---------------------------------------------------------------------------------


def _holds_lock(user: Any, submission: Submission) -> bool:
    if user is None:
        return False
    lock = locks.current_lock(user)
    return lock is not None and (not submission.instrument
                                 or lock.instrument.lower() == submission.instrument.lower())


def confirm(submission: Submission, user: Any, force: bool = False) -> Submission:
    """Make a READY submission's files part of CRDS (SERVER.md §2.2 step 11): only its
    submitter may, or, with ``force``, an operator once the submitter's lock is gone.
    CONFIRMING is saved first, so :func:`recover` finishes a confirmation cut short."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != Status.READY:
            raise SubmissionError(f"Submission {submission.pk} is {submission.status}, not "
                                  "ready: it cannot be confirmed")
        if submission.kind not in CONFIRMABLE:
            raise SubmissionError(f"A {submission.get_kind_display()} has nothing to confirm")
        if force:
            if not is_operator(user):
                raise SubmissionForbidden("Only an operator may force a confirmation")
            if _holds_lock(submission.user, submission):
                raise SubmissionForbidden(f"{submission.username} still holds the "
                                      f"{submission.instrument} lock: only they may confirm")
        else:
            if submission.user_id is None or submission.user_id != getattr(user, "pk", None):
                raise SubmissionForbidden(f"Only {submission.username or 'the submitter'} may "
                                          "confirm this submission")
            if submission.instrument:
                locks.require_lock(user, submission.observatory, submission.instrument)
        if not force:
            lost = context_collisions(submission.observatory, submission.new_context,
                                      submission.derive_from)
            if lost:
                raise SubmissionError(
                    "Edit collision: " + "; ".join(lost) + ". Confirming would drop the other "
                    "delivery's changes from the edit context: cancel and submit again from "
                    "the current edit context (an operator may force it).")
        submission.status = Status.CONFIRMING
        submission.parameters = {**submission.parameters,
                                 "confirmed_by": getattr(user, "username", ""),
                                 "final_status": Status.FORCED if force else Status.CONFIRMED}
        submission.save(update_fields=["status", "parameters"])
    return complete_confirmation(submission)


def delivered_names(submission: Submission) -> list[str]:
    """The names a confirmed ``submission`` brings into CRDS, references first."""
    result = submission.result or {}
    names = [f["name"] for f in result.get("files", []) if f.get("status") != "ERRORS"]
    names += [n for n in result.get("generated", []) if n not in names]
    return names


def _record_fields(submission: Submission, name: str, path: Path, now: Any) -> dict[str, Any]:
    user = submission.user
    result_files = {f["name"]: f for f in (submission.result or {}).get("files", [])}
    shown = result_files.get(name, {})
    data_sha1 = hashlib.sha1(path.read_bytes()).hexdigest() if is_mapping(name) else ""
    fields: dict[str, Any] = {
        "name": name, "uploaded_as": shown.get("uploaded", name), "state": "delivered",
        "available": True, "description": submission.description,
        "creator_name": submission.creator, "deliverer_user": submission.username,
        "deliverer_email": getattr(user, "email", "") if user is not None else "",
        "change_level": submission.change_level, "delivery_date": now,
        "size": path.stat().st_size,
    }
    if is_mapping(name):
        data = path.read_bytes()
        header = mapping_header(data, name)
        fields.update(type="mapping", sha1sum=data_sha1,
                      instrument=str(header.get("instrument", "") or "").lower(),
                      filekind=str(header.get("filekind", "") or "").lower(),
                      derived_from=str(header.get("derived_from", "") or "")[:256])
        if name.endswith(".pmap"):
            fields["instrument"] = ""
    else:
        with open(path, "rb") as stream:
            sha1 = hashlib.file_digest(stream, "sha1").hexdigest()
        meta = {k: v for k, v in reference_metadata(path).items() if v}
        meta.pop("description", None)
        fields.update(meta)
        fields.update(type="reference", sha1sum=sha1,
                      instrument=shown.get("instrument") or meta.get("instrument", ""),
                      filekind=shown.get("filekind", ""))
    return fields


def complete_confirmation(submission: Submission) -> Submission:
    """The rest of a confirmation, safe to run again: files into the store, the manifest,
    then in ONE transaction the catalog records, the delivery, the edit context and the
    submission's final status; after it, e-mail, lock release and staging removal."""
    observatory = submission.observatory
    final = submission.parameters.get("final_status") or Status.CONFIRMED
    serial = submission.parameters.get("delivery_serial")
    if not serial:
        serial = serials.next_serial(observatory, serials.DELIVERY)
        submission.parameters = {**submission.parameters, "delivery_serial": serial}
        Submission.objects.filter(pk=submission.pk).update(parameters=submission.parameters)
    folder = staging.files_dir(submission)
    names = delivered_names(submission)
    paths = {name: folder / name for name in names}
    missing = [n for n, p in paths.items() if not p.is_file()]
    store = get_file_store()
    if missing:
        raise SubmissionError(f"Staged files of submission {submission.pk} are missing: "
                              f"{missing}")
    for name, path in paths.items():
        if not (store.exists(observatory, name) and store.holds_copy_of(observatory, name, path)):
            store.save_from_path(observatory, name, path)
    write_manifest(observatory, serial, paths)
    now = timezone.now()
    records = [_record_fields(submission, name, path, now) for name, path in paths.items()]
    from opencrds.server.catalog.delivery_services import add_delivered_files

    why = f"{submission.get_kind_display()} {submission.pk}: {submission.description}"[:2000]
    user = submission.parameters.get("confirmed_by") or submission.username
    with transaction.atomic():
        add_delivered_files(observatory, records, user=user, why=why,
                            new_context=submission.new_context)
        Delivery.objects.update_or_create(
            observatory=observatory, serial=serial,
            defaults={"submission": submission, "files": names})
        Submission.objects.filter(pk=submission.pk).update(status=final, published=now)
    submission.refresh_from_db()
    notify.notify(submission, str(final))
    _release_lock(submission, "confirmed")
    staging.remove_staging(submission)
    return submission


def _release_lock(submission: Submission, reason: str) -> None:
    if submission.user is None:
        return
    try:
        if _holds_lock(submission.user, submission):
            locks.release(submission.user, reason)
    except Exception as exc:  # noqa: BLE001 - the delivery stands; the lock times out
        log.warning("lock of %s not released: %s", submission.username, exc)


# ---- cancel ----------------------------------------------------------------------------------


def cancel(submission: Submission, user: Any, reason: str, *, release_lock: bool = True
           ) -> Submission:
    """Cancel a STARTED or READY submission: CANCELLED, staging removed, e-mail, the
    submitter's lock released. Its submitter, an operator or the system (``user`` None) may."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status not in (Status.STARTED, Status.READY):
            raise SubmissionError(f"Submission {submission.pk} is {submission.status}: it "
                                  "cannot be cancelled")
        if user is not None and submission.user_id != getattr(user, "pk", None) \
                and not is_operator(user):
            raise SubmissionForbidden(f"Only {submission.username or 'the submitter'} or an "
                                      "operator may cancel this submission")
        submission.status = Status.CANCELLED
        submission.parameters = {**submission.parameters, "cancel_reason": reason}
        submission.save(update_fields=["status", "parameters"])
    staging.remove_staging(submission)
    progress_for(submission.channel_id).done(3, _url(submission))
    notify.notify(submission, "cancelled", reason)
    if release_lock:
        _release_lock(submission, "cancelled")
    return submission


def _url(submission: Submission) -> str:
    from .processing.run import result_url

    return result_url(submission)


def on_lock_released(sender: Any = None, user: Any = None, reason: str = "", **_: Any) -> None:
    """Receiver of accounts' ``lock_released``: the user's unconfirmed submissions are
    cancelled (logout, lock timeout...); a confirmation's own release cancels nothing else
    that is confirmed."""
    if user is None:
        return
    for submission in Submission.objects.filter(user=user, status__in=(Status.STARTED,
                                                                       Status.READY)):
        try:
            cancel(submission, None, f"lock released ({reason})", release_lock=False)
        except SubmissionError:
            pass


def connect_signals() -> None:
    """Connect :func:`on_lock_released` (once)."""
    from opencrds.server.accounts.signals import lock_released

    lock_released.connect(on_lock_released, dispatch_uid="submissions-cancel-on-release")


# ---- recovery --------------------------------------------------------------------------------


def recover() -> dict[str, list[str]]:
    """Settle what a dead queue consumer left (run before a consumer starts): STARTED
    submissions whose task is no longer queued FAIL (staging removed, ``done`` 1); CONFIRMING
    ones are confirmed to the end; final ones whose staging folder is left (a confirmation or
    cancellation killed right after its commit) lose it, settled ones whose progress stream
    lacks its ``done`` get it, and temporary files of killed writers leave the store. Which
    submissions were failed / confirmed / cleaned / ended, which temporaries removed."""
    from .tasks import queued_submission_ids

    try:
        queued = queued_submission_ids()
    except Exception as exc:  # noqa: BLE001 - an unreadable queue: keep everything STARTED
        log.warning("queue not readable, STARTED submissions kept: %s", exc)
        queued = None
    report: dict[str, list[str]] = {"failed": [], "confirmed": []}
    if queued is not None:
        for submission in Submission.objects.filter(status=Status.STARTED):
            if str(submission.pk) in queued:
                continue
            _fail_interrupted(submission, report)
    for submission in Submission.objects.filter(status=Status.CONFIRMING):
        try:
            complete_confirmation(submission)
            report["confirmed"].append(str(submission.pk))
        except Exception as exc:  # noqa: BLE001 - reported; the next start tries again
            log.error("confirming %s again failed: %s", submission.pk, exc)
    report["cleaned"] = _remove_final_staging()
    report["ended"] = _end_open_streams()
    report["temporaries"] = _remove_dead_temporaries()
    return report


def _remove_dead_temporaries() -> list[str]:
    """Remove the temporary files (``.tmp_<name>_<pid>_<hex>``) that a process killed while
    it copied into the store, or wrote a delivery manifest, left behind: those whose writer
    is no longer running on this machine (the home and its store are one machine's). The
    paths removed."""
    folders = [Path(settings.OPENCRDS_STORE), Path(settings.OPENCRDS_CATALOGS)]
    if settings.OPENCRDS_DELIVERY_DIR:
        folders.append(Path(settings.OPENCRDS_DELIVERY_DIR))
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(f"{TEMP_PREFIX}*"):
            parts = path.name.rsplit("_", 2)
            if len(parts) != 3 or not parts[1].isdigit() or _running(int(parts[1])):
                continue
            log.warning("removing %s, left by a writer that was killed", path)
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return sorted(removed)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


#: The jpoll ``done`` status of a processed submission's stream, by its status (else 0).
_DONE_STATUS = {Status.FAIL: 1, Status.BAD_FILES: 1, Status.CANCELLED: 3}


def _end_open_streams() -> list[str]:
    """Send the ``done`` a processed or cancelled submission's stream lacks (its process was
    killed between recording the status and ending the stream: a client would wait forever);
    the ids whose stream was ended."""
    ended = []
    unended = (Submission.objects.exclude(status__in=(Status.STARTED, Status.CONFIRMING))
               .exclude(channel=None).exclude(channel__messages__type="done"))
    for submission in unended:
        progress_for(submission.channel_id).done(_DONE_STATUS.get(submission.status, 0),
                                                 _url(submission))
        log.warning("ended the progress stream of %s submission %s", submission.status,
                    submission.pk)
        ended.append(str(submission.pk))
    return sorted(ended)


def _remove_final_staging() -> list[str]:
    """Remove the staging folders final submissions left (a process killed after the status
    committed and before the folder went); the ids cleaned."""
    root = Path(settings.OPENCRDS_STAGING)
    if not root.is_dir():
        return []
    ids = {}
    for folder in root.iterdir():
        try:
            ids[str(uuid.UUID(folder.name))] = folder
        except ValueError:  # incoming-* folders of form requests in progress
            continue
    final = Submission.objects.filter(pk__in=list(ids), status__in=Submission.FINAL)
    cleaned = []
    for submission in final:
        log.warning("removing the staging folder %s left by %s submission %s",
                    ids[str(submission.pk)], submission.status, submission.pk)
        staging.remove_staging(submission)
        cleaned.append(str(submission.pk))
    return sorted(cleaned)

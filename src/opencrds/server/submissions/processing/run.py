"""One submission processed, from STARTED to READY, BAD FILES, DONE or FAIL (SERVER.md §2.2
steps 2-9, §2.3). Called by the queue's task; every step is a module of this package."""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings

from opencrds.rules.edit import derived_text
from opencrds.rules.naming import is_mapping
from opencrds.rules.parser import parse_mapping_text
from opencrds.server.catalog.filestore import get_file_store
from opencrds.server.catalog.metadata import referenced_names
from opencrds.server.catalog.models import FileRecord

from .. import serials
from ..models import Submission
from . import checks, collisions, diffs, naming, staging
from .generate import certify_generated, generate, read_mapping_from_store
from .progress import progress_for
from .work import ProcessingError, StagedFile, Work

log = logging.getLogger("opencrds.submissions")
Kind, Status = Submission.Kind, Submission.Status
#: jpoll ``done`` statuses.
DONE_OK, DONE_FAILED, DONE_CANCELLED = 0, 1, 3


def result_url(submission: Submission) -> str:
    """The result page of ``submission`` (the public URL, else the base URL of the form)."""
    base = settings.OPENCRDS_PUBLIC_URL or submission.parameters.get("base_url", "")
    return f"{str(base).rstrip('/')}/display_result/{submission.pk}"


def process(submission_id: Any) -> Submission:
    """Process the STARTED submission ``submission_id`` (anything else is left alone)."""
    from .. import services

    submission = Submission.objects.get(pk=submission_id)
    if submission.status != Status.STARTED:
        return submission
    services.record_worker(submission)
    progress = progress_for(submission.channel_id)
    url = result_url(submission)
    started = time.perf_counter()
    try:
        progress.log("Starting submission processing.")
        work = _KINDS[submission.kind](submission, progress)
    except Exception as exc:  # noqa: BLE001 - any failure of the work FAILs the submission
        log.error("submission %s failed: %s", submission.pk, traceback.format_exc())
        message = f"Submission processing failed: {type(exc).__name__}: {exc}"
        progress.error(message)
        submission = services.record_outcome(submission, Status.FAIL, {"errors": [message]})
        progress.done(DONE_FAILED, url)
        return submission
    work.extra["seconds"] = round(time.perf_counter() - started, 2)
    if submission.kind in (Kind.CERTIFY, Kind.DIFFERENCE):  # findings shown, nothing to do
        status, done = Status.DONE, DONE_OK
    elif work.has_errors:
        for error in work.errors:
            progress.error(error)
        progress.error("Submission has errors: cancelled (BAD FILES).")
        status, done = Status.BAD_FILES, DONE_FAILED
    else:
        status, done = Status.READY, DONE_OK
    submission = services.record_outcome(submission, status, work.result(), work.new_context)
    progress.done(done, url)
    return submission


# ---- the kinds ----------------------------------------------------------------------------


def _work(submission: Submission) -> Work:
    return Work(observatory=submission.observatory, starting_context=submission.derive_from,
                compare_old_reference=submission.compare_old_reference)


def _staged(submission: Submission) -> list[StagedFile]:
    return [StagedFile(uploaded=p.name, source=p) for p in staging.uploaded_files(submission)]


def _certify_uploads(work: Work, progress) -> None:  # noqa: ANN001
    for staged in work.files:
        progress.log(f"Certifying {staged.uploaded!r}")
    checks.certify(work.files, work)


def _reference_checks(submission: Submission, work: Work, progress) -> None:  # noqa: ANN001
    """Identify, place and certify the uploaded references (nothing renamed yet)."""
    work.files = _staged(submission)
    if not work.files:
        raise ProcessingError("No files were submitted.")
    mappings = [f.uploaded for f in work.files if is_mapping(f.uploaded)]
    if mappings:
        work.errors.append(f"Mappings cannot be submitted as references: {mappings}")
        return
    naming.identify(work.files, work.observatory)
    checks.check_observatory(work.files, work.observatory)
    checks.check_instrument(work.files, submission.instrument)
    checks.check_duplicates(work.files, work.observatory)
    _certify_uploads(work, progress)


def _finish_mappings(work: Work, progress) -> None:  # noqa: ANN001
    """Collisions and differences of the generated mappings."""
    progress.log("Checking for derivation collisions.")
    work.collisions = collisions.find_collisions(work)
    for collision in work.collisions:
        progress.warning(collision)
    progress.log("Computing file differences.")
    read = read_mapping_from_store(work.observatory, work.generated)
    work.diffs = diffs.compute_diffs(work, read, progress)


def _generate_rules(work: Work, dest: Path, progress, **changes: Any) -> Work:  # noqa: ANN001
    """New rmaps/imaps/pmap for ``changes`` (additions or deletions), certified, then their
    collisions and differences; stops at the first step with errors."""
    generate(work, dest, progress, **changes)
    if work.has_errors:
        return work
    certify_generated(work, dest, progress)
    _finish_mappings(work, progress)
    return work


def batch(submission: Submission, progress) -> Work:  # noqa: ANN001
    """BATCH / REDCAT: certify, rename, insert into the rules, new context."""
    work = _work(submission)
    _reference_checks(submission, work, progress)
    if work.has_errors:
        return work
    dest = staging.files_dir(submission)
    naming.rename_references(work.files, work.observatory, dest,
                             auto_rename=submission.auto_rename, progress=progress)
    if work.has_errors:
        return work
    return _generate_rules(work, dest, progress,
                           additions=[(f.name, str(f.path)) for f in work.files])


def references(submission: Submission, progress) -> Work:  # noqa: ANN001
    """REFERENCES: certify and rename, no rules touched."""
    work = _work(submission)
    _reference_checks(submission, work, progress)
    if not work.has_errors:
        naming.rename_references(work.files, work.observatory, staging.files_dir(submission),
                                 auto_rename=submission.auto_rename, progress=progress)
    return work


def mappings(submission: Submission, progress) -> Work:  # noqa: ANN001
    """MAPPINGS: hand-edited mappings certified (the references they name must be in CRDS),
    named with the next serial when auto-renamed, contexts generated when asked."""
    work = _work(submission)
    work.mapping_files = _staged(submission)
    if not work.mapping_files:
        raise ProcessingError("No files were submitted.")
    others = [f.uploaded for f in work.mapping_files if not is_mapping(f.uploaded)]
    if others:
        work.errors.append(f"Only mappings (.rmap, .imap, .pmap) may be submitted here: {others}")
        return work
    checks.check_observatory(work.mapping_files, work.observatory)
    checks.check_duplicates(work.mapping_files, work.observatory)
    _check_named_references(work)
    for staged in work.mapping_files:
        progress.log(f"Certifying {staged.uploaded!r}")
    checks.certify(work.mapping_files, work, mappings=True)
    if work.has_errors:
        return work
    dest = staging.files_dir(submission)
    new_rmaps: dict[str, str] = {}
    for staged in work.mapping_files:
        text = staged.source.read_text(encoding="utf-8")
        parsed = parse_mapping_text(text, staged.uploaded)
        staged.instrument = str(parsed.header.get("instrument", "")).lower()
        staged.filekind = str(parsed.header.get("filekind", "")).lower()
        # a hand edit starts from a copy of a mapping: its header still names that one
        named = str(parsed.header.get("name", "") or "")
        parent = named or str(parsed.header.get("derived_from", "") or staged.uploaded)
        if submission.auto_rename:
            family = naming.mapping_family_of(staged.uploaded, parsed.header)
            extension = staged.uploaded.rsplit(".", 1)[1]
            serial = serials.next_serial(work.observatory, family)
            staged.name = f"{family}_{serial:04d}.{extension}"
            progress.log(f"Renaming {staged.uploaded!r} --> {staged.name!r}")
        elif FileRecord.objects.filter(observatory=work.observatory,
                                       name=staged.uploaded).exists():
            staged.error(f"File {staged.uploaded!r} is already in CRDS: rename it or use "
                         "auto-rename")
            continue
        if named != staged.name:
            text = derived_text(parsed, parent, staged.name)
        staged.path = dest / staged.name
        staged.path.write_text(text, encoding="utf-8")
        staged.sha1sum, staged.size = _sha1(staged.path), staged.path.stat().st_size
        new_rmaps[staged.name] = text
    if work.has_errors:
        return work
    if submission.generate_contexts:
        rmaps = {n: t for n, t in new_rmaps.items() if n.endswith(".rmap")}
        if len(rmaps) != len(new_rmaps):
            work.errors.append("Generate Contexts works from rmaps only: submit imaps and "
                               "pmaps without it")
            return work
        generate(work, dest, progress, new_rmaps=rmaps)
        if work.has_errors:
            return work
        work.generated = {**rmaps, **work.generated}  # certified with the imaps naming them
        certify_generated(work, dest, progress)
        for name in rmaps:
            work.generated.pop(name, None)
    _finish_mappings(work, progress)
    work.diffs += _uploaded_mapping_diffs(work, new_rmaps, progress)
    return work


def _uploaded_mapping_diffs(work: Work, new: dict[str, str], progress) -> list[dict]:  # noqa: ANN001
    saved = work.generated
    work.generated = dict(new)
    try:
        return diffs.compute_diffs(work, read_mapping_from_store(work.observatory, new),
                                   progress)
    finally:
        work.generated = saved


def _check_named_references(work: Work) -> None:
    for staged in work.mapping_files:
        if not staged.uploaded.endswith(".rmap"):
            continue
        names = referenced_names(staged.source.read_bytes())
        known = set(FileRecord.objects.filter(observatory=work.observatory, name__in=names)
                    .values_list("name", flat=True))
        for missing in sorted(names - known):
            staged.error(f"Reference {missing!r} named by {staged.uploaded!r} is not in CRDS")


def _sha1(path: Path) -> str:
    import hashlib

    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha1").hexdigest()


def add_delete(submission: Submission, progress) -> Work:  # noqa: ANN001
    """ADD / DELETE: catalogued references inserted into / removed from the derive-from
    context's rmaps."""
    work = _work(submission)
    key = "added" if submission.kind == Kind.ADD else "deleted"
    names = [str(n) for n in submission.parameters.get(key, [])]
    if not names:
        raise ProcessingError(f"No files to {'add' if key == 'added' else 'delete'} were named.")
    records = {r.name: r for r in FileRecord.objects.filter(observatory=work.observatory,
                                                            name__in=names)}
    unknown = [n for n in names if n not in records or records[n].type != "reference"]
    if unknown:
        work.errors.append(f"Not references known to CRDS: {unknown}")
        return work
    dest = staging.files_dir(submission)
    dest.mkdir(parents=True, exist_ok=True)
    if submission.kind == Kind.ADD:
        store = get_file_store()
        additions = []
        for name in names:
            path = store.servable_path(work.observatory, name)  # type: ignore[attr-defined]
            additions.append((name, str(path)))
        return _generate_rules(work, dest, progress, additions=additions)
    return _generate_rules(work, dest, progress, deletions=names)


def certify_only(submission: Submission, progress) -> Work:  # noqa: ANN001
    """CERTIFY: certify the uploaded files; nothing to confirm."""
    work = _work(submission)
    work.files = _staged(submission)
    if not work.files:
        raise ProcessingError("No files were submitted.")
    _certify_uploads(work, progress)
    return work


def difference(submission: Submission, progress) -> Work:  # noqa: ANN001
    """DIFFERENCE: two files (uploaded, or known CRDS names ``file1``/``file2``)."""
    from .difference import difference_files

    work = _work(submission)
    first, second = (str(submission.parameters.get(k, "")) for k in ("file1", "file2"))
    progress.log(f"Differencing {first!r} vs. {second!r}")
    work.extra["difference"] = difference_files(submission, first, second)
    return work


_KINDS = {Kind.BATCH: batch, Kind.REDCAT: batch, Kind.REFERENCES: references,
          Kind.MAPPINGS: mappings, Kind.ADD: add_delete, Kind.DELETE: add_delete,
          Kind.CERTIFY: certify_only, Kind.DIFFERENCE: difference}

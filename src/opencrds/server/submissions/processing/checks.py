"""The checks of uploaded files (SERVER.md §2.2 step 3): observatory and locked instrument,
sha1sum duplicates against the catalog and within the delivery, and ``certify`` of the whole
batch in one call against the file store (a CRDS cache) and the derive-from context."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from opencrds.certify import CertifyOptions, certify_files
from opencrds.certify.context import observatory_in_file
from opencrds.server.catalog.filestore import get_file_store
from opencrds.server.catalog.models import FileRecord

from .work import StagedFile, Work


def store_root() -> Path:
    """The file store's root, read by certify and generation as a CRDS cache."""
    store = get_file_store()
    root = getattr(store, "root", None)
    if root is None:
        raise NotImplementedError(f"{store!r} is not a local store: certify needs a local cache")
    return Path(root)


def check_observatory(files: Iterable[StagedFile], observatory: str) -> None:
    """Files that say they belong to another observatory are refused."""
    for staged in files:
        found = observatory_in_file(str(staged.source))
        if found and found != observatory:
            staged.error(f"File {staged.uploaded!r} belongs to {found!r}, not {observatory!r}: "
                         "this server delivers only its own observatory's files")


def check_instrument(files: Iterable[StagedFile], instrument: str) -> None:
    """Every file must belong to the locked ``instrument`` (none: nothing checked)."""
    if not instrument:
        return
    for staged in files:
        if staged.instrument and staged.instrument.lower() != instrument.lower():
            staged.error(f"File {staged.uploaded!r} is for instrument {staged.instrument!r}, "
                         f"not the locked instrument {instrument!r}")


def check_duplicates(files: list[StagedFile], observatory: str) -> None:
    """Bit-identical files (same sha1sum) already in CRDS or twice in this delivery."""
    sums = {f.sha1sum for f in files if f.sha1sum}
    known: dict[str, str] = dict(
        FileRecord.objects.filter(observatory=observatory, sha1sum__in=sums)
        .values_list("sha1sum", "name"))
    seen: dict[str, str] = {}
    for staged in files:
        if staged.sha1sum in known:
            staged.error(f"File {staged.uploaded!r} is bit-identical to existing CRDS file "
                         f"{known[staged.sha1sum]!r} (duplicate sha1sum {staged.sha1sum})")
        elif staged.sha1sum in seen:
            staged.error(f"File {staged.uploaded!r} is bit-identical to {seen[staged.sha1sum]!r} "
                         "of this delivery (duplicate sha1sum)")
        else:
            seen[staged.sha1sum] = staged.uploaded


def certify(files: list[StagedFile], work: Work, *, mappings: bool = False) -> None:
    """Certify ``files`` (their current ``path``) in ONE call; each file's messages go to its
    log, the batch's own (rmap update check, context loading) to ``work``'s errors/warnings.

    Tables are compared with the reference they replace in the derive-from context
    (certify finds it by trial insertion into that context's rmaps) when the submission's
    ``compare_old_reference`` asks; ``mappings`` certifies generated mappings given together,
    not their whole closure.
    """
    if not files:
        return
    options = CertifyOptions(
        observatory=work.observatory, cache=str(store_root()),
        comparison_context=work.starting_context or None,
        dont_recurse_mappings=mappings, check_rmap_updates=not mappings,
        compare_old_reference=work.compare_old_reference)
    by_path = {str(f.path): f for f in files}
    prefix = str(Path(next(iter(by_path))).parent) + os.sep
    result = certify_files(list(by_path), options)
    for file_result in result.files:
        staged = by_path.get(file_result.name)
        for level, message in file_result.messages:
            text = str(message).replace(prefix, "")
            if staged is not None:
                staged.log.append(f"{level} - {text}")
            elif level == "ERROR":
                work.errors.append(text)
            elif level == "WARNING":
                work.warnings.append(text)

"""Submission processing on the task queue (SERVER.md §2.2-§2.3): :func:`enqueue` puts a
submission's Huey task on the queue; :mod:`.run` does the work (one module per step:
:mod:`.checks`, :mod:`.naming`, :mod:`.generate`, :mod:`.collisions`, :mod:`.diffs`); files
are staged in :func:`staging_dir` until confirmed."""

from __future__ import annotations

from .staging import files_dir, staging_dir, uploaded_dir


def enqueue(submission) -> None:  # noqa: ANN001 - a Submission
    """Queue ``submission``'s processing (never run in the web request); it starts once the
    current transaction commits."""
    from django.db import transaction

    from ..tasks import process_submission

    submission_id = str(submission.pk)
    transaction.on_commit(lambda: process_submission(submission_id))


__all__ = ["enqueue", "files_dir", "staging_dir", "uploaded_dir"]

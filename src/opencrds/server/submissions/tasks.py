"""Huey tasks of submissions (djhuey discovers this module): thin wrappers of the work in
:mod:`.processing`, with database connections handled by ``db_task``.

Recovery of submissions a dead consumer left half done is not a consumer start-up hook (each
worker process would run it, failing its siblings' live work): ``opencrds manage
recover_submissions`` runs :func:`.services.recover` once, before the consumer starts. A worker
killed while the consumer lives on is noticed every minute (:func:`fail_abandoned_submissions`).
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task


@db_task(retries=0)
def process_submission(submission_id: str) -> str:
    """Process one STARTED submission; its final status."""
    from .processing.run import process

    return str(process(submission_id).status)


@db_periodic_task(crontab(minute="*"))
def fail_abandoned_submissions() -> int:
    """FAIL the submissions whose worker process died; how many."""
    from .services import fail_abandoned

    return len(fail_abandoned()["failed"])


def queued_submission_ids() -> set[str]:
    """Ids of the submissions whose processing task waits in the queue."""
    ids = set()
    for task in HUEY.pending():
        if task.name.endswith("process_submission") and task.args:
            ids.add(str(task.args[0]))
    return ids

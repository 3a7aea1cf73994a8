"""Recovery when the queue consumer starts again (issue #13): a STARTED submission whose task
is gone FAILs (staging removed, its stream ended), one whose task still waits in the queue is
kept; a CONFIRMING one is confirmed to the end, and confirming twice changes nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import processing_helpers
import pytest
from processing_helpers import MIRI_IPC, messages, staged_ready, upload

pytestmark = [pytest.mark.shared_data]

# the fixtures of this module
delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user


def test_started_submissions_without_a_task_fail(delivery_area: Path, make_user: Any) -> None:
    from huey.contrib.djhuey import HUEY

    from opencrds.server.submissions.processing import staging_dir
    from opencrds.server.submissions.services import create_submission, recover
    from opencrds.server.submissions.tasks import process_submission

    user = make_user("crashed")
    lost = create_submission(user, "certify", "jwst", {},
                             upload(delivery_area, (MIRI_IPC, "a.fits")))
    waiting = create_submission(user, "certify", "jwst", {},
                                upload(delivery_area, (MIRI_IPC, "b.fits")))
    HUEY.flush()
    process_submission(str(waiting.pk))  # queued, no consumer runs it here
    try:
        report = recover()
    finally:
        HUEY.flush()
    assert report["failed"] == [str(lost.pk)]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == "fail" and waiting.status == "started"
    assert "interrupted" in lost.result["errors"][0]
    assert not staging_dir(lost).exists() and staging_dir(waiting).exists()
    assert messages(lost)[-1]["data"]["status"] == 1


def test_confirming_submissions_are_confirmed(delivery_area: Path, make_user: Any,
                                              mailoutbox: list) -> None:
    from opencrds.server.catalog.filestore import get_file_store
    from opencrds.server.catalog.models import AuditEntry, FileRecord
    from opencrds.server.submissions.models import Delivery, Submission
    from opencrds.server.submissions.services import complete_confirmation, recover

    user = make_user("interrupted")
    submission = staged_ready(user, delivery_area)
    Submission.objects.filter(pk=submission.pk).update(
        status="confirming", parameters={**submission.parameters, "final_status": "confirmed"})
    report = recover()
    assert report["confirmed"] == [str(submission.pk)]
    submission.refresh_from_db()
    assert submission.status == "confirmed" and submission.published is not None
    record = FileRecord.objects.get(observatory="jwst", name="jwst_miri_ipc_9001.fits")
    assert record.uploaded_as == "uploaded_ipc.fits" and record.available
    assert get_file_store().size("jwst", record.name) == MIRI_IPC.stat().st_size
    delivery = Delivery.objects.get(submission=submission)
    assert delivery.files == [record.name]
    assert AuditEntry.objects.filter(action="submit file", filename=record.name).count() == 1
    assert any("CONFIRMED" in m.subject for m in mailoutbox)
    # a second run (a crash right after the transaction) changes nothing but the audit trail
    Submission.objects.filter(pk=submission.pk).update(status="confirming")
    submission.refresh_from_db()
    (delivery_area / "staging" / str(submission.pk) / "files").mkdir(parents=True)
    import shutil

    shutil.copy(MIRI_IPC, delivery_area / "staging" / str(submission.pk) / "files" / record.name)
    complete_confirmation(submission)
    assert Delivery.objects.filter(submission=submission).count() == 1
    assert FileRecord.objects.filter(observatory="jwst", name=record.name).count() == 1


def test_management_commands(delivery_area: Path, make_user: Any) -> None:
    import io

    from django.core.management import CommandError, call_command

    from opencrds.server.submissions.services import create_submission

    user = make_user("commanded")
    submission = create_submission(user, "certify", "jwst", {},
                                   upload(delivery_area, (MIRI_IPC, "c.fits")))
    out = io.StringIO()
    call_command("cancel_submission", str(submission.pk), "--reason", "operator said so",
                 stdout=out)
    assert out.getvalue().strip() == f"cancelled: {submission.pk}"
    submission.refresh_from_db()
    assert submission.status == "cancelled"
    assert submission.parameters["cancel_reason"] == "operator said so"
    with pytest.raises(CommandError, match="cannot be cancelled"):
        call_command("cancel_submission", str(submission.pk))
    with pytest.raises(CommandError, match="no submission 'nope'"):
        call_command("cancel_submission", "nope")
    out = io.StringIO()
    call_command("recover_submissions", verbosity=2, stdout=out)
    assert "recovered: 0 failed, 0 confirmed" in out.getvalue()

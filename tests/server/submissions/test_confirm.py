"""Confirm and cancel (issue #13, SERVER.md §2.2 step 11, §2.3): who may, what a confirmed
delivery leaves (catalog rows, stored files, the .cat manifest, audit, e-mail, lock released,
edit context moved, mappings served), and that a cancelled one leaves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import processing_helpers
import pytest
from processing_helpers import MIRI_IPC, messages, miri_ipc, staged_ready, submit, upload

pytestmark = [pytest.mark.shared_data]

# the fixtures of this module
delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user


def test_confirm_makes_the_files_part_of_crds(delivery_area: Path, make_user: Any,
                                              mailoutbox: list) -> None:
    from opencrds.server.accounts.locks import current_lock
    from opencrds.server.catalog.filestore import get_file_store
    from opencrds.server.catalog.models import AuditEntry, FileRecord
    from opencrds.server.submissions.processing import staging_dir
    from opencrds.server.submissions.services import confirm

    user = make_user("confirmer")
    submission = confirm(staged_ready(user, delivery_area), user)
    assert submission.status == "confirmed" and submission.published is not None
    record = FileRecord.objects.get(observatory="jwst", name="jwst_miri_ipc_9001.fits")
    assert (record.type, record.instrument, record.filekind) == ("reference", "miri", "ipc")
    assert record.uploaded_as == "uploaded_ipc.fits"
    assert record.deliverer_user == "confirmer"
    assert record.deliverer_email == "confirmer@example.org"
    assert record.description == "hand staged" and record.delivery_date is not None
    assert record.available and record.state == "delivered"
    assert record.size == MIRI_IPC.stat().st_size and len(record.sha1sum) == 40
    assert record.useafter_date is not None  # read from the header like an import
    assert get_file_store().sha1("jwst", record.name) == record.sha1sum
    serial = submission.delivery.serial
    manifest = delivery_area / "catalogs" / f"jwst_{serial:03d}.cat"
    assert manifest.read_text() == "jwst_miri_ipc_9001.fits\n"
    assert AuditEntry.objects.filter(action="submit file", filename=record.name,
                                     user="confirmer").exists()
    assert any("CONFIRMED" in m.subject and "confirmer@example.org" in m.to
               and "redcat@example.org" in m.to for m in mailoutbox)
    assert current_lock(user) is None
    assert not staging_dir(submission).exists()


def test_only_the_submitter_confirms_and_operators_force_after_the_lock(
        delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.accounts.locks import release
    from opencrds.server.submissions.models import Submission
    from opencrds.server.submissions.services import SubmissionError, confirm

    owner, other = make_user("owner"), make_user("other", instrument="nircam")
    operator = make_user("operator", instrument=None, operator=True)
    submission = staged_ready(owner, delivery_area)
    with pytest.raises(SubmissionError, match="Only owner may confirm"):
        confirm(submission, other)
    with pytest.raises(SubmissionError, match="Only an operator may force"):
        confirm(submission, other, force=True)
    with pytest.raises(SubmissionError, match="still holds the miri lock"):
        confirm(submission, operator, force=True)
    # the release cancels the owner's READY submission: make it READY again, as if the
    # lock had been lost otherwise (an admin deleting it)
    release(owner, "admin")
    submission.refresh_from_db()
    assert submission.status == "cancelled"
    submission = staged_ready(owner, delivery_area, name="jwst_miri_ipc_9002.fits")
    forced = confirm(submission, operator, force=True)
    assert forced.status == "forced"
    with pytest.raises(SubmissionError, match="not ready"):
        confirm(Submission.objects.get(pk=submission.pk), owner)


def test_cancel_leaves_nothing(delivery_area: Path, make_user: Any, mailoutbox: list) -> None:
    from opencrds.server.accounts.locks import current_lock
    from opencrds.server.catalog.models import FileRecord
    from opencrds.server.submissions.processing import staging_dir
    from opencrds.server.submissions.services import cancel

    user = make_user("canceller")
    submission = cancel(staged_ready(user, delivery_area), user, "changed my mind")
    assert submission.status == "cancelled"
    assert not staging_dir(submission).exists()
    assert not FileRecord.objects.filter(name="jwst_miri_ipc_9001.fits").exists()
    assert current_lock(user) is None
    assert messages(submission)[-1]["data"]["status"] == 3
    assert any("CANCELLED" in m.subject and "changed my mind" in m.body for m in mailoutbox)


def test_a_released_lock_cancels_open_submissions(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.accounts.locks import release
    from opencrds.server.submissions.services import create_submission

    user = make_user("leaver")
    ready = staged_ready(user, delivery_area)
    started = create_submission(user, "certify", "jwst", {},
                                upload(delivery_area, (MIRI_IPC, "z.fits")))
    release(user, "logout")
    for submission in (ready, started):
        submission.refresh_from_db()
        assert submission.status == "cancelled"
        assert submission.parameters["cancel_reason"] == "lock released (logout)"


def test_delivery_dir_gets_the_files_and_manifest(delivery_area: Path, make_user: Any,
                                                  settings: Any) -> None:
    from opencrds.server.submissions.services import confirm

    settings.OPENCRDS_DELIVERY_DIR = str(delivery_area / "deliveries")
    user = make_user("archiver")
    submission = confirm(staged_ready(user, delivery_area), user)
    folder = delivery_area / "deliveries"
    name = f"jwst_{submission.delivery.serial:03d}.cat"
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, "jwst_miri_ipc_9001.fits"])


def _has_generation() -> bool:
    try:
        from opencrds.generation import naming, rules  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _has_generation(), reason="opencrds.generation has not landed yet")
def test_confirmed_batch_moves_the_edit_context_and_is_served(
        delivery_area: Path, make_user: Any, backend: str, server_log: Any) -> None:
    from inprocess import InProcessServer

    from opencrds.server.catalog.models import DefaultContext, FileRecord
    from opencrds.server.submissions.services import confirm

    user = make_user("deliverer")
    source = miri_ipc(delivery_area / "made", "new_ipc.fits")
    submission = submit(user, "batch", upload(delivery_area, (source, "new_ipc.fits")))
    assert submission.status == "ready", submission.result["errors"]
    generated = submission.result["generated"]
    confirm(submission, user)
    pmap = submission.new_context
    assert DefaultContext.objects.get(observatory="jwst", kind="edit").context == pmap
    rmap = FileRecord.objects.get(observatory="jwst", name=generated[0])
    assert rmap.type == "mapping" and rmap.derived_from.startswith("jwst_miri_ipc_")
    served = InProcessServer("jwst", backend, server_log)
    try:
        names = served.rpc("get_mapping_names", pmap)
        assert set(generated) <= set(names)
        assert served.rpc("get_default_context", "jwst", "edit") == pmap
    finally:
        served.stop()


def test_a_submission_cancelled_while_processing_stays_cancelled(delivery_area: Path,
                                                                 make_user: Any) -> None:
    from opencrds.server.submissions.processing import staging_dir
    from opencrds.server.submissions.services import cancel, create_submission
    from opencrds.server.submissions.tasks import process_submission

    user = make_user("impatient")
    submission = create_submission(user, "certify", "jwst", {},
                                   upload(delivery_area, (MIRI_IPC, "slow.fits")))
    cancel(submission, user, "too slow")
    assert process_submission.call_local(str(submission.pk)) == "cancelled"
    submission.refresh_from_db()
    assert submission.status == "cancelled" and submission.result == {}
    assert not staging_dir(submission).exists()
    assert [m["data"]["status"] for m in messages(submission) if m["type"] == "done"] == [3]

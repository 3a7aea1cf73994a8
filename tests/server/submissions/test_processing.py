"""Submission processing (issue #13, SERVER.md §2.2-§2.3) on the real JWST catalog and real
reference files: the queue task run in process, its jpoll stream, result and status."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import processing_helpers
import pytest
from processing_helpers import CONTEXT, MIRI_IPC, MIRI_IPC_BAD, messages, miri_ipc, submit, upload

pytestmark = [pytest.mark.shared_data]

# the fixtures of this module
delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user


def _has_generation() -> bool:
    try:
        from opencrds.generation import naming, rules  # noqa: F401
    except ImportError:
        return False
    return True


needs_generation = pytest.mark.skipif(not _has_generation(),
                                      reason="opencrds.generation has not landed yet")


def test_certify_kind_reports_and_changes_nothing(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.submissions.processing import staging_dir

    user = make_user("certifier")
    files = upload(delivery_area, (MIRI_IPC, "good.fits"), (MIRI_IPC_BAD, "bad.fits"))
    submission = submit(user, "certify", files)
    assert submission.status == "done"
    verdicts = {f["uploaded"]: f["status"] for f in submission.result["files"]}
    assert verdicts == {"good.fits": "OK", "bad.fits": "ERRORS"}
    bad = next(f for f in submission.result["files"] if f["uploaded"] == "bad.fits")
    assert any("Missing required keyword" in line for line in bad["log"])
    assert not any(str(delivery_area) in line for line in bad["log"])  # no staging paths
    assert not staging_dir(submission).exists()
    stream = messages(submission)
    assert stream[0]["data"] == "Starting submission processing."
    assert "Certifying 'good.fits'" in [m["data"] for m in stream]
    assert stream[-1]["type"] == "done"
    assert stream[-1]["data"] == {"status": 0,
                                  "result": f"http://testserver/display_result/{submission.pk}"}


@needs_generation
def test_batch_is_ready_with_new_names_and_rules(delivery_area: Path, make_user: Any,
                                                 mailoutbox: list,
                                                 django_capture_on_commit_callbacks: Any
                                                 ) -> None:
    from opencrds.server.submissions import serials
    from opencrds.server.submissions.processing import staging_dir

    user = make_user("batcher")
    highest = {family: serials.catalog_highest("jwst", family)
               for family in ("jwst", "jwst_miri", "jwst_miri_ipc", "ref:jwst_miri_ipc")}
    started = time.perf_counter()
    source = miri_ipc(delivery_area / "made", "my_ipc.fits")
    with django_capture_on_commit_callbacks(execute=True):  # the STARTED e-mail
        submission = submit(user, "batch", upload(delivery_area, (source, "my_ipc.fits")))
    seconds = time.perf_counter() - started
    result = submission.result
    assert submission.status == "ready", result["errors"]
    assert result["starting_context"] == CONTEXT
    [file] = result["files"]
    assert file["uploaded"] == "my_ipc.fits" and file["status"] in ("OK", "Warnings")
    assert (file["instrument"], file["filekind"]) == ("miri", "ipc")
    assert file["name"] == f"jwst_miri_ipc_{highest['ref:jwst_miri_ipc'] + 1:04d}.fits"
    assert len(file["sha1sum"]) == 40 and file["size"] == source.stat().st_size
    rmap = f"jwst_miri_ipc_{highest['jwst_miri_ipc'] + 1:04d}.rmap"
    imap = f"jwst_miri_{highest['jwst_miri'] + 1:04d}.imap"
    pmap = f"jwst_{highest['jwst'] + 1:04d}.pmap"
    assert result["generated"] == [rmap, imap, pmap]
    assert result["new_context"] == submission.new_context == pmap
    [diff] = [d for d in result["diffs"] if d["new"] == rmap]
    assert diff["old"].startswith("jwst_miri_ipc_") and diff["text"].startswith("---")
    assert [a["reference"] for a in diff["actions"]] == [file["name"]]
    assert diff["actions"][0]["action"] in ("insert", "replace")
    assert set(result) >= {"collisions", "errors", "warnings"}
    folder = staging_dir(submission) / "files"
    assert sorted(p.name for p in folder.iterdir()) == sorted([file["name"], rmap, imap, pmap])
    texts = [m["data"] for m in messages(submission) if m["type"] != "done"]
    for expected in ("Starting submission processing.", "Certifying 'my_ipc.fits'",
                     f"Renaming 'my_ipc.fits' --> '{file['name']}'",
                     "Checking for derivation collisions.", "Computing file differences."):
        assert expected in texts
    assert any(t.startswith(f"Generating new rmap '{rmap}'") for t in texts)
    assert messages(submission)[-1]["data"]["status"] == 0
    subjects = [m.subject for m in mailoutbox]
    assert any("STARTED" in s for s in subjects) and any("READY" in s for s in subjects)
    assert seconds < 30


@needs_generation
def test_certify_errors_make_bad_files(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.submissions.processing import staging_dir

    user = make_user("badder")
    submission = submit(user, "batch", upload(delivery_area, (MIRI_IPC_BAD, "bad_ipc.fits")))
    assert submission.status == "bad files"
    assert submission.result["files"][0]["status"] == "ERRORS"
    assert not staging_dir(submission).exists()
    assert messages(submission)[-1]["data"]["status"] == 1
    # a file that certifies alone but overlaps the rules' cases with equal weight
    overlapping = submit(user, "batch", upload(delivery_area, (MIRI_IPC, "overlap.fits")))
    assert overlapping.status == "bad files"
    assert overlapping.result["files"][0]["status"] != "ERRORS"
    assert any("is an equal weight special case of" in e for e in overlapping.result["errors"])
    assert not staging_dir(overlapping).exists()


@needs_generation
def test_duplicates_make_bad_files(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.catalog.models import FileRecord

    user = make_user("duplicator")
    twice = submit(user, "batch", upload(delivery_area, (MIRI_IPC, "a.fits"),
                                         (MIRI_IPC, "b.fits")))
    assert twice.status == "bad files"
    logs = {f["uploaded"]: f["log"] for f in twice.result["files"]}
    assert any("bit-identical to 'a.fits'" in line for line in logs["b.fits"])
    sha1 = twice.result["files"][0]["sha1sum"]
    FileRecord.objects.filter(observatory="jwst", name="jwst_miri_ipc_0001.fits").update(
        sha1sum=sha1)
    known = submit(user, "batch", upload(delivery_area, (MIRI_IPC, "c.fits")))
    assert known.status == "bad files"
    assert any("bit-identical to existing CRDS file 'jwst_miri_ipc_0001.fits'" in line
               for line in known.result["files"][0]["log"])


@needs_generation
def test_files_of_another_instrument_are_refused(delivery_area: Path, make_user: Any) -> None:
    user = make_user("nircammer", instrument="nircam")
    submission = submit(user, "batch", upload(delivery_area, (MIRI_IPC, "x.fits")),
                        instrument="nircam")
    assert submission.status == "bad files"
    assert any("not the locked instrument 'nircam'" in line
               for line in submission.result["files"][0]["log"])


def test_an_exception_fails_the_submission(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.submissions.processing import staging_dir

    user = make_user("failer")
    submission = submit(user, "add", [], added=[])  # nothing named: processing cannot go on
    assert submission.status == "fail"
    assert "No files to add were named" in submission.result["errors"][0]
    assert not staging_dir(submission).exists()
    stream = messages(submission)
    assert stream[-2]["type"] == "error" and stream[-1]["data"]["status"] == 1

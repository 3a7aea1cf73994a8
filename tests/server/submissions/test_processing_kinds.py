"""The other kinds of submission (SERVER.md §1.13-§1.20) on the real JWST catalog: references
without rules, hand-edited mappings (with contexts generated), deleting and adding catalogued
references, certify and difference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import processing_helpers
import pytest
from processing_helpers import CONTEXT, TEST_DATA, miri_ipc, submit, upload

pytestmark = [pytest.mark.shared_data]

# the fixtures of this module
delivery_area = processing_helpers.delivery_area
make_user = processing_helpers.make_user

RMAP = "jwst_miri_ipc_0005.rmap"  # the MIRI IPC rules of jwst_0541.pmap


def _edited_rmap(area: Path, name: str, old: str = "jwst_miri_ipc_0009.fits",
                 new: str = "jwst_miri_ipc_0008.fits") -> Path:
    from opencrds.server.catalog.filestore import get_file_store

    text = get_file_store().read_text("jwst", RMAP).replace(f"'{old}'", f"'{new}'")
    path = area / "edited" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_references_are_renamed_without_rules_and_can_then_be_added(
        delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.catalog.models import DefaultContext
    from opencrds.server.submissions.services import confirm

    user = make_user("orphans")
    edit = DefaultContext.objects.get(observatory="jwst", kind="edit").context
    source = miri_ipc(delivery_area / "made", "orphan.fits")
    submission = submit(user, "references", upload(delivery_area, (source, "orphan.fits")))
    assert submission.status == "ready", submission.result["errors"]
    [file] = submission.result["files"]
    assert file["name"].startswith("jwst_miri_ipc_") and file["name"] != "orphan.fits"
    assert submission.result["generated"] == [] and submission.new_context == ""
    confirm(submission, user)
    assert DefaultContext.objects.get(observatory="jwst", kind="edit").context == edit
    # the orphan, now in CRDS, is added to the rules by an ADD submission
    user = make_user("adder")
    added = submit(user, "add", [], added=[file["name"]])
    assert added.status == "ready", added.result["errors"]
    assert [p.rsplit(".", 1)[1] for p in added.result["generated"]] == ["rmap", "imap", "pmap"]
    [diff] = [d for d in added.result["diffs"] if d["new"].endswith(".rmap")]
    assert diff["old"] == RMAP
    assert [(a["action"], a["reference"]) for a in diff["actions"]] == [("insert", file["name"])]


def test_delete_removes_references_from_the_rules(delivery_area: Path, make_user: Any) -> None:
    user = make_user("deleter")
    submission = submit(user, "delete", [], deleted=["jwst_miri_ipc_0009.fits"])
    assert submission.status == "ready", submission.result["errors"]
    [diff] = [d for d in submission.result["diffs"] if d["new"].endswith(".rmap")]
    assert [(a["action"], a["reference"]) for a in diff["actions"]] == [
        ("delete", "jwst_miri_ipc_0009.fits")]
    assert "-        '1900-01-01 00:00:00' : 'jwst_miri_ipc_0009.fits'," in diff["text"]
    unknown = submit(user, "delete", [], deleted=["jwst_miri_ipc_9999.fits"])
    assert unknown.status == "bad files"
    assert "jwst_miri_ipc_9999.fits" in unknown.result["errors"][0]


def test_hand_edited_rmap_gets_a_serial_name_and_new_contexts(delivery_area: Path,
                                                              make_user: Any) -> None:
    from opencrds.server.submissions import serials

    user = make_user("mapper")
    rmap_serial = serials.catalog_highest("jwst", "jwst_miri_ipc") + 1
    edited = _edited_rmap(delivery_area, "my_edit.rmap")
    submission = submit(user, "mappings", upload(delivery_area, (edited, "my_edit.rmap")),
                        generate_contexts=True)
    assert submission.status == "ready", submission.result["errors"]
    [file] = submission.result["files"]
    assert file["name"] == f"jwst_miri_ipc_{rmap_serial:04d}.rmap"
    assert [g.rsplit(".", 1)[1] for g in submission.result["generated"]] == ["imap", "pmap"]
    assert submission.new_context == submission.result["generated"][-1]
    [diff] = [d for d in submission.result["diffs"] if d["new"] == file["name"]]
    assert diff["old"] == RMAP and diff["logical"]
    # the new rmap was derived from the edit context's: the catalog has no other child of it
    assert submission.result["collisions"] == []


def test_rmap_naming_unknown_references_is_bad(delivery_area: Path, make_user: Any) -> None:
    user = make_user("mapper2")
    edited = _edited_rmap(delivery_area, "bad_edit.rmap", new="jwst_miri_ipc_7777.fits")
    submission = submit(user, "mappings", upload(delivery_area, (edited, "bad_edit.rmap")))
    assert submission.status == "bad files"
    assert any("'jwst_miri_ipc_7777.fits' named by 'bad_edit.rmap' is not in CRDS" in line
               for line in submission.result["files"][0]["log"])


def test_collisions_name_both_children(delivery_area: Path, make_user: Any) -> None:
    from opencrds.server.catalog.models import FileRecord

    user = make_user("collider")
    FileRecord.objects.create(observatory="jwst", name="jwst_miri_ipc_0099.rmap",
                              type="mapping", derived_from=RMAP)
    submission = submit(user, "delete", [], deleted=["jwst_miri_ipc_0009.fits"])
    assert submission.status == "ready", submission.result["errors"]
    rmap = next(g for g in submission.result["generated"] if g.endswith(".rmap"))
    assert submission.result["collisions"] == [
        f"{rmap} and jwst_miri_ipc_0099.rmap were both derived from {RMAP}"]


def test_difference_of_a_known_and_an_uploaded_rmap(delivery_area: Path,
                                                    make_user: Any) -> None:
    from opencrds.server.submissions.services import SubmissionError, confirm

    user = make_user("differ")
    edited = _edited_rmap(delivery_area, "mine.rmap")
    submission = submit(user, "difference", upload(delivery_area, (edited, "mine.rmap")),
                        file1=RMAP, file2="mine.rmap")
    assert submission.status == "done"
    difference = submission.result["difference"]
    assert difference["file1"] == RMAP and difference["file2"] == "mine.rmap"
    assert any("replaced jwst_miri_ipc_0009.fits with jwst_miri_ipc_0008.fits" in line
               for line in difference["logical"])
    assert "+        '1900-01-01 00:00:00' : 'jwst_miri_ipc_0008.fits'," in difference["text"]
    with pytest.raises(SubmissionError):
        confirm(submission, user)
    assert submission.result["starting_context"] == CONTEXT


def test_hst_references_get_unique_timestamp_names(delivery_area: Path, make_user: Any,
                                                   settings: Any) -> None:
    import re

    settings.OPENCRDS_OBSERVATORY = "hst"
    user = make_user("hstuser", instrument="cos", observatory="hst")
    dead = TEST_DATA / "hst" / "s7g1700hl_dead.fits"
    submission = submit(user, "batch", upload(delivery_area, (dead, dead.name)),
                        observatory="hst", instrument="cos", derive_from="hst_0729.pmap")
    assert submission.status == "ready", submission.result["errors"]
    [file] = submission.result["files"]
    assert (file["instrument"], file["filekind"]) == ("cos", "deadtab")
    assert re.fullmatch(r"[0-9a-z]{8}l_dead\.fits", file["name"]), file["name"]
    assert [g.rsplit(".", 1)[1] for g in submission.result["generated"]] == [
        "rmap", "imap", "pmap"]
    assert submission.result["generated"][0].startswith("hst_cos_deadtab_")

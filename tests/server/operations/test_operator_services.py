"""Operator services on the real JWST catalog (SERVER.md §1.15, §1.21, §2.3): setting the
latest/edit/versions/build contexts, marking files bad and OK (transitively for mappings),
what get_server_info then says, and pipeline remote contexts."""

from __future__ import annotations

import json
from typing import Any

import pytest

#: The operational context of the shared JWST cache, and an older clean one.
LATEST, OLDER = "jwst_0541.pmap", "jwst_0540.pmap"
#: A context whose closure holds references the shared catalog has as rejected.
WITH_BAD_REFERENCES = "jwst_0500.pmap"


def server_info() -> dict[str, Any]:
    """get_server_info over JSON-RPC (through the revision cache, as clients get it)."""
    from django.test import Client

    body = json.dumps({"jsonrpc": "1.0", "method": "get_server_info", "params": [], "id": 1})
    answer = Client().post("/json/", body, content_type="application/json")
    return json.loads(answer.content)["result"]


def rpc(method: str, *params: Any) -> dict[str, Any]:
    from django.test import Client

    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": 1})
    return json.loads(Client().post("/json/", body, content_type="application/json").content)


def record(name: str) -> Any:
    from opencrds.server.catalog.models import FileRecord

    return FileRecord.objects.get(observatory="jwst", name=name)


def children(name: str) -> list[str]:
    from opencrds.server.catalog import queries

    return queries.child_mappings("jwst", name)


def miri_dark_rmap() -> tuple[str, str]:
    """(miri imap, miri dark rmap) of the latest context."""
    imap = next(n for n in children(LATEST) if "_miri_" in n)
    rmap = next(n for n in children(imap) if "_miri_dark_" in n)
    return imap, rmap


# ---- set context ------------------------------------------------------------------------------


def test_setting_latest_appends_history_and_server_info_follows(jwst: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.models import AuditEntry, ContextHistory

    assert server_info()["operational_context"] == LATEST
    services.set_default_context("jwst", "latest", OLDER, user="olivia",
                                 why="Reversion to 0540, CRDS-999.")
    newest = ContextHistory.objects.filter(observatory="jwst").first()
    assert (newest.context, newest.state, newest.description) == (
        OLDER, "operational", "Reversion to 0540, CRDS-999.")
    assert ContextHistory.objects.filter(observatory="jwst", state="operational").count() == 1
    info = server_info()
    assert info["operational_context"] == info["latest_context"] == OLDER
    assert info["context_history"][0][1:] == [OLDER, "Reversion to 0540, CRDS-999."]
    assert rpc("get_default_context", "jwst", "latest")["result"] == OLDER
    entry = AuditEntry.objects.first()
    assert (entry.user, entry.action, entry.filename) == ("olivia", "set default context", OLDER)
    assert f"from '{LATEST}' to '{OLDER}'" in entry.details


def test_latest_gives_activation_dates_to_files_that_had_none(jwst: str) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.models import FileRecord

    mappings, references = queries.context_closure("jwst", OLDER)
    FileRecord.objects.filter(observatory="jwst", name=references[0]).update(
        activation_date=None)
    FileRecord.objects.filter(observatory="jwst", name=OLDER).update(activation_date=None)
    services.set_default_context("jwst", "latest", OLDER, user="o", why="reversion")
    assert record(OLDER).activation_date is not None
    assert record(references[0]).activation_date is not None
    assert not FileRecord.objects.filter(observatory="jwst", name__in=mappings,
                                         activation_date__isnull=True).exists()


def test_latest_refuses_a_context_with_bad_files(jwst: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.models import ContextHistory
    from opencrds.server.catalog.services import OperationRefused

    rows = ContextHistory.objects.count()
    with pytest.raises(OperationRefused, match=r"jwst_0500.pmap' cannot be the latest context: "
                                               r"it contains bad files .*jwst_nircam_flat_0002.fits"):
        services.set_default_context("jwst", "latest", WITH_BAD_REFERENCES, user="o",
                                     why="try it")
    assert ContextHistory.objects.count() == rows
    assert server_info()["operational_context"] == LATEST
    # edit and versions have no such rule
    services.set_default_context("jwst", "edit", WITH_BAD_REFERENCES, user="o", why="")
    assert server_info()["edit_context"] == WITH_BAD_REFERENCES


@pytest.mark.parametrize("why, message", [
    ("", "a reason is required"),
    ("   ", "a reason is required"),
    ("fix; drop table", "only letters, digits, hyphens, commas, periods and spaces, not ';'"),
    ("ticket #12", "not '#'"),
])
def test_latest_needs_a_plain_reason(jwst: str, why: str, message: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.services import OperationRefused

    with pytest.raises(OperationRefused, match=message):
        services.set_default_context("jwst", "latest", OLDER, user="o", why=why)
    assert server_info()["operational_context"] == LATEST


def test_set_context_checks_its_arguments(jwst: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.errors import InvalidObservatory, UnknownContext, UnknownFile
    from opencrds.server.catalog.services import OperationRefused

    with pytest.raises(OperationRefused, match="unknown context type 'nightly'"):
        services.set_default_context("jwst", "nightly", OLDER, user="o", why="x")
    with pytest.raises(UnknownFile):
        services.set_default_context("jwst", "edit", "jwst_9999.pmap", user="o", why="x")
    with pytest.raises(UnknownContext, match="not a pipeline context"):
        services.set_default_context("jwst", "edit", children(LATEST)[0], user="o", why="x")
    with pytest.raises(InvalidObservatory):
        services.set_default_context("hst", "edit", "hst_0729.pmap", user="o", why="x")
    with pytest.raises(UnknownFile):  # an HST context is not one of the JWST catalog
        services.set_default_context("jwst", "edit", "hst_0729.pmap", user="o", why="x")
    services.set_default_context("jwst", "versions", OLDER, user="o", why="")
    assert server_info()["versions_context"] == OLDER


def test_the_build_banner_moves_only_to_a_newer_context(jwst: str) -> None:
    from opencrds.server.catalog import contexts, services
    from opencrds.server.catalog.errors import UnknownContext

    row = services.set_build_context("jwst", "1.16.0", OLDER, user="o", why="release",
                                     banner=True)
    assert row.banner and server_info()["build_context"] == OLDER
    row = services.set_build_context("jwst", "1.15.0", "jwst_0500.pmap", user="o",
                                     why="older release", banner=True)
    assert not row.banner and server_info()["build_context"] == OLDER
    assert contexts.build_context("jwst", "1.15.2") == "jwst_0500.pmap"
    row = services.set_build_context("jwst", "1.17.0rc1", LATEST, user="o", why="rc",
                                     banner=True)
    assert row.banner and server_info()["build_context"] == LATEST
    services.set_build_context("jwst", "1.17.1", LATEST, user="o", why="same context")
    assert rpc("get_build_context", "jwst", "1.17.1")["result"] == LATEST
    with pytest.raises(UnknownContext):
        services.set_build_context("jwst", "1.18.0", children(LATEST)[0], user="o", why="x")


# ---- mark bad / OK ----------------------------------------------------------------------------


def test_a_bad_rmap_blacklists_every_mapping_containing_it(jwst: str) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.services import OperationRefused

    imap, rmap = miri_dark_rmap()
    imported_bad = set(server_info()["bad_files_list"])
    report = services.mark_files("jwst", [rmap], True, user="olivia", why="wrong darks")
    assert report.marked == [rmap]
    assert imap in report.also_blacklisted and LATEST in report.also_blacklisted
    assert OLDER in report.also_blacklisted  # 0540 uses the same miri dark rules
    assert all(n.endswith((".imap", ".pmap")) for n in report.also_blacklisted)
    for name in (rmap, imap, LATEST):
        assert record(name).blacklisted and not record(name).rejected
    # exactly the mappings whose closure holds it
    for pmap in ("jwst_0100.pmap", LATEST):
        holds = rmap in queries.context_closure("jwst", pmap)[0]
        assert (pmap in report.also_blacklisted) == holds
    bad = server_info()["bad_files_list"]
    assert set(bad) == imported_bad | {rmap, *report.also_blacklisted}
    with pytest.raises(OperationRefused, match=f"contains bad files .*{rmap}"):
        services.set_default_context("jwst", "latest", LATEST, user="o", why="again")

    report = services.mark_files("jwst", [rmap], False, user="olivia", why="darks fine")
    assert imap in report.also_cleared and LATEST in report.also_cleared
    for name in (rmap, imap, LATEST, OLDER):
        assert not record(name).blacklisted
    assert set(server_info()["bad_files_list"]) == imported_bad
    services.set_default_context("jwst", "latest", LATEST, user="o", why="again")


def test_marking_ok_keeps_what_is_bad_for_another_reason(jwst: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.services import OperationRefused

    imap, rmap = miri_dark_rmap()
    other = next(n for n in children(imap) if n != rmap and "_miri_flat_" in n)
    services.mark_files("jwst", [imap], True, user="o", why="bad imap")
    services.mark_files("jwst", [rmap, other], True, user="o", why="bad rules")
    with pytest.raises(OperationRefused, match=f"'{imap}' cannot be marked OK: it contains "
                                               f"bad mapping.*{rmap}"):
        services.mark_files("jwst", [imap], False, user="o", why="too early")
    report = services.mark_files("jwst", [rmap], False, user="o", why="rmap fine")
    assert report.also_cleared == []  # the imap was marked itself, and holds another bad rmap
    assert record(imap).blacklisted and record(LATEST).blacklisted
    services.mark_files("jwst", [other], False, user="o", why="flat fine")
    assert record(imap).blacklisted  # still marked bad itself
    report = services.mark_files("jwst", [imap], False, user="o", why="imap fine")
    assert LATEST in report.also_cleared and not record(LATEST).blacklisted


def test_a_bad_reference_is_rejected_alone(jwst: str) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.services import OperationRefused

    reference = queries.context_closure("jwst", LATEST)[1][0]
    report = services.mark_files("jwst", [reference], True, user="o", why="bad data")
    assert report.also_blacklisted == []
    assert record(reference).rejected and not record(LATEST).blacklisted
    assert reference in server_info()["bad_files_list"]
    with pytest.raises(OperationRefused, match=reference):
        services.set_default_context("jwst", "latest", LATEST, user="o", why="again")
    services.mark_files("jwst", [reference], False, user="o", why="good data")
    assert not record(reference).rejected
    assert reference not in server_info()["bad_files_list"]


def test_marking_checks_names_and_reason_and_leaves_no_trace(jwst: str) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.errors import UnknownFile
    from opencrds.server.catalog.models import AuditEntry
    from opencrds.server.catalog.services import OperationRefused

    _imap, rmap = miri_dark_rmap()
    entries = AuditEntry.objects.count()
    with pytest.raises(UnknownFile, match="not known to CRDS: nothing.fits"):
        services.mark_files("jwst", [rmap, "nothing.fits"], True, user="o", why="x")
    with pytest.raises(OperationRefused, match="a reason is required"):
        services.mark_files("jwst", [rmap], True, user="o", why=" ")
    with pytest.raises(OperationRefused, match="no file named"):
        services.mark_files("jwst", ["", " "], True, user="o", why="x")
    assert AuditEntry.objects.count() == entries and not record(rmap).blacklisted
    services.mark_files("jwst", [rmap], True, user="olivia", why="wrong darks")
    entry = AuditEntry.objects.first()
    assert (entry.user, entry.action, entry.filename, entry.why) == (
        "olivia", "mark bad", rmap, "wrong darks")
    assert entry.details.startswith("also blacklisted (they contain it): ")


# ---- remote contexts --------------------------------------------------------------------------


def test_pipelines_push_with_their_key_and_are_read_by_name(jwst: str) -> None:
    from opencrds.server.catalog import queries, services

    key = services.add_pipeline("jwst", "jwst-ops-pipeline", user="olivia")
    services.add_pipeline("jwst", "jwst-test-pipeline", user="olivia")
    answer = rpc("get_remote_context", "jwst", "jwst-ops-pipeline")
    assert answer["error"]["name"] == "UnknownContext"
    refused = rpc("push_remote_context", "jwst", "operational", "wrong key", OLDER)
    assert refused["error"]["name"] == "InvalidPipelineKey"
    assert rpc("push_remote_context", "jwst", "operational", key, OLDER)["error"] is None
    assert rpc("get_remote_context", "jwst", "jwst-ops-pipeline")["result"] == OLDER
    rows = queries.remote_contexts("jwst")
    assert [(r["name"], r["kind"], r["context"]) for r in rows] == [
        ("jwst-ops-pipeline", "latest", OLDER), ("jwst-test-pipeline", "latest", "")]

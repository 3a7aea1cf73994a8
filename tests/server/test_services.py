"""The catalog's service layer, error table and revision cache (issue #12 items 1 and 3), in
process: every service writes its audit entry and bumps the catalog revision (or, for pipeline
keys, remote contexts and datasets, says it does not), and is atomic — a failure inside it
leaves no trace; every domain error has its stable wire name; a new revision drops the values
of the old one.

Django runs in this process over a throwaway ``OPENCRDS_HOME`` (or the test settings of
pytest-django when it is installed); each test's database changes are rolled back.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opencrds.rules.errors import ChecksumError, MappingError
from opencrds.server.rpc.jsonrpc import Call

SERVER = Path(__file__).resolve().parents[2] / "src" / "opencrds" / "server"
HAVE_PYTEST_DJANGO = importlib.util.find_spec("pytest_django") is not None
pytestmark = [pytest.mark.django_db] if HAVE_PYTEST_DJANGO else []


@pytest.fixture(scope="module")
def django_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Django configured and migrated (by pytest-django, else here on a new data folder)."""
    from django.conf import settings

    if HAVE_PYTEST_DJANGO or settings.configured:
        return
    from django.core.management import call_command

    from opencrds.server import setup

    names = ("OPENCRDS_HOME", "OPENCRDS_OBSERVATORY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ["OPENCRDS_HOME"] = str(tmp_path_factory.mktemp("services-home"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "opencrds.server.settings"
    try:
        setup()  # prepares the data folder; the settings read the environment now, once
    finally:  # nothing leaks to the tests that follow
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    call_command("migrate", verbosity=0)


@pytest.fixture
def catalog(django_ready: None, request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's catalog changes, rolled back afterwards; an empty revision cache; the server
    serves 'example' (the test catalog may also hold the shared hst and jwst imports)."""
    from django.db import transaction

    from opencrds.server.catalog.revision_cache import cache

    global _audit_start
    from opencrds.server.catalog.models import AuditEntry

    cache.clear()
    _audit_start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if HAVE_PYTEST_DJANGO:
        request.getfixturevalue("settings").OPENCRDS_OBSERVATORY = "example"
        yield
    else:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(scope="module")
def example_source(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from opencrds.observatories.example_mission import generate_example_mission

    return generate_example_mission(tmp_path_factory.mktemp("example-source"))


@pytest.fixture
def example(catalog: None, example_source: Any) -> Any:
    """The example mission imported (inside the test's transaction)."""
    from opencrds.server.catalog import services

    services.import_cache(example_source.root, "example", user="tester")
    return example_source


def revision(observatory: str = "example") -> int:
    from opencrds.server.catalog.models import CatalogRevision

    return CatalogRevision.current(observatory)[0]


#: The last audit entry before the test: the catalog may hold imports of other tests' missions.
_audit_start = 0


def audit_log() -> list[tuple[str, str, str, str]]:
    from opencrds.server.catalog.models import AuditEntry

    entries = AuditEntry.objects.filter(id__gt=_audit_start).order_by("id")
    return list(entries.values_list("user", "action", "filename", "why"))


# ---- services ---------------------------------------------------------------------------


def test_import_cache_writes_its_audit_entry_and_bumps_the_revision_once(
        catalog: None, example_source: Any) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.models import DefaultContext, FileRecord

    report = services.import_cache(example_source.root, "example", user="tester")
    assert report.mappings == len(example_source.mappings)
    assert FileRecord.objects.filter(observatory="example").count() == (
        len(example_source.mappings) + len(example_source.references))
    assert DefaultContext.objects.get(observatory="example", kind="operational").context == (
        example_source.operational_context)
    assert audit_log() == [("tester", "import cache", str(example_source.root),
                            "bootstrap from an existing CRDS cache")]
    assert revision() == 1
    services.import_cache(example_source.root, "example", user="tester")
    assert revision() == 2 and len(audit_log()) == 2


def test_a_failed_import_leaves_no_trace(catalog: None, example_source: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.importer import CacheImporter
    from opencrds.server.catalog.models import ContextHistory, FileRecord

    def broken(self: CacheImporter, config: Any, records: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(CacheImporter, "_save_defaults", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        services.import_cache(example_source.root, "example", user="tester")
    assert not FileRecord.objects.filter(observatory="example").exists()
    assert not ContextHistory.objects.filter(observatory="example").exists()
    assert audit_log() == [] and revision() == 0


def test_import_of_a_wrong_source_is_a_clear_error(catalog: None, tmp_path: Path) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.errors import ImportFailed

    before = revision("hst")
    with pytest.raises(ImportFailed, match="no mappings/hst"):
        services.import_cache(tmp_path, "hst")
    assert audit_log() == [] and revision("hst") == before


def test_marking_files_bad_and_good(example: Any) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.models import FileRecord

    before = revision()
    mapping = FileRecord.objects.get(name=example.operational_context)
    reference = FileRecord.objects.get(name=example.references[0])
    services.set_bad([mapping, reference], True, user="operator", why="broken")
    mapping.refresh_from_db()
    reference.refresh_from_db()
    assert mapping.blacklisted and not mapping.rejected
    assert reference.rejected and not reference.blacklisted
    assert audit_log()[-2:] == [("operator", "mark bad", mapping.name, "broken"),
                                ("operator", "mark bad", reference.name, "broken")]
    assert revision() == before + 1
    services.set_bad(FileRecord.objects.filter(name=reference.name), False, user="operator")
    reference.refresh_from_db()
    assert not reference.rejected
    assert audit_log()[-1] == ("operator", "mark ok", reference.name, "admin")
    assert revision() == before + 2


def test_a_failed_mark_leaves_no_trace(example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from opencrds.server.catalog import services
    from opencrds.server.catalog.models import FileRecord

    before, logged = revision(), len(audit_log())
    records = list(FileRecord.objects.filter(name__in=example.references[:2]))
    real_audit, calls = services.audit, []

    def audit_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) > 1:
            raise RuntimeError("database went away")
        return real_audit(*args, **kwargs)

    monkeypatch.setattr(services, "audit", audit_once)
    with pytest.raises(RuntimeError):
        services.set_bad(records, True, user="operator")
    assert not FileRecord.objects.filter(name__in=example.references[:2], rejected=True).exists()
    assert len(audit_log()) == logged and revision() == before


def test_the_admin_action_goes_through_the_service(example: Any) -> None:
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from opencrds.server.catalog.models import FileRecord

    request = RequestFactory().post("/admin/")
    request.user = User(username="admin-user")
    model_admin = admin.site._registry[FileRecord]
    before = revision()
    model_admin.mark_bad(request, FileRecord.objects.filter(name=example.references[0]))
    assert FileRecord.objects.get(name=example.references[0]).rejected
    assert audit_log()[-1] == ("admin-user", "mark bad", example.references[0], "admin")
    assert revision() == before + 1


def test_setting_the_operational_context(example: Any) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.models import ContextHistory

    older = sorted(n for n in example.mappings if n.endswith(".pmap"))[0]
    assert older != example.operational_context
    before = revision()
    services.set_default_context("example", "operational", older, user="operator",
                                 why="roll back")
    assert queries.default_contexts("example")["operational"] == older
    newest = ContextHistory.objects.filter(observatory="example").order_by("-start_date").first()
    assert (newest.context, newest.state, newest.description) == (older, "operational",
                                                                  "roll back")
    assert ContextHistory.objects.filter(observatory="example", state="operational").count() == 1
    assert audit_log()[-1] == ("operator", "set default context", older, "roll back")
    assert revision() == before + 1


def test_setting_an_unknown_context_changes_nothing(example: Any) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.errors import InvalidObservatory, UnknownContext, UnknownFile

    before, logged = revision(), len(audit_log())
    with pytest.raises(UnknownFile):
        services.set_default_context("example", "edit", "example_9999.pmap", user="operator", why="x")
    imap = next(n for n in example.mappings if n.endswith(".imap"))
    with pytest.raises(UnknownContext):
        services.set_default_context("example", "edit", imap, user="operator", why="x")
    with pytest.raises(InvalidObservatory):
        services.set_default_context("hst", "edit", example.operational_context, user="o", why="x")
    assert queries.default_contexts("example")["operational"] == example.operational_context
    assert len(audit_log()) == logged and revision() == before


def test_setting_a_build_context_shows_in_server_info(example: Any) -> None:
    from opencrds.server.catalog import contexts, services
    from opencrds.server.rpc.serverinfo import server_info

    assert "build_context" not in server_info()
    services.set_build_context("example", "1.2.0", example.operational_context, user="operator",
                               why="release", banner=True)
    assert contexts.build_context("example", "1.2.3") == example.operational_context
    assert server_info()["build_context"] == example.operational_context
    assert audit_log()[-1] == ("operator", "set default context", example.operational_context,
                               "release")


def test_pipelines_push_their_context_without_dropping_the_caches(example: Any) -> None:
    from opencrds.server.catalog import queries, services
    from opencrds.server.catalog.errors import InvalidPipelineKey

    before = revision()
    key = services.add_pipeline(None, "example-pipeline", user="operator")
    assert audit_log()[-1] == ("operator", "add pipeline", "example-pipeline", "pipeline key set")
    with pytest.raises(InvalidPipelineKey):
        services.push_remote_context("example", "wrong key", example.operational_context)
    logged = len(audit_log())
    remote = services.push_remote_context("example", key, example.operational_context)
    assert (remote.name, remote.kind, remote.context) == (
        "example-pipeline", "latest", example.operational_context)
    assert queries.remote_context("example", "example-pipeline") == example.operational_context
    assert audit_log()[logged:] == [("example-pipeline", "push context", example.operational_context,
                                     "pipeline 'example-pipeline' synced")]
    assert revision() == before  # remote contexts are read live, cached nowhere


def test_recording_past_deliveries(example: Any) -> None:
    import datetime

    from opencrds.server.catalog import services
    from opencrds.server.catalog.errors import UnknownFile
    from opencrds.server.catalog.models import AuditEntry, FileRecord

    when = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)
    files = (example.references[0], example.operational_context)
    before = revision()
    with pytest.raises(UnknownFile, match="example_nosuch.fits"):
        services.record_past_deliveries("example", [services.PastDelivery(
            when, "k.osei", "flats", (*files, "example_nosuch.fits"))], user="importer")
    assert not FileRecord.objects.filter(name__in=files, delivery_date__isnull=False).exists()
    assert services.record_past_deliveries("example", [services.PastDelivery(
        when, "k.osei", "New flats.", files)], user="importer") == 2
    reference = FileRecord.objects.get(name=files[0])
    assert (reference.delivery_date, reference.deliverer_user, reference.description) == (
        when, "k.osei", "New flats.")
    assert FileRecord.objects.get(name=files[1]).description != "New flats."  # its own
    submitted = AuditEntry.objects.filter(action="submit file", filename__in=files)
    assert sorted(submitted.values_list("user", "date")) == [("k.osei", when)] * 2
    assert audit_log()[-1][:2] == ("importer", "record past deliveries")
    assert revision() == before + 1


def test_adding_a_dataset_header_by_id(example: Any) -> None:
    from opencrds.server.catalog import datasets, services

    header = {"INSTRUME": "CAMERA", "DATE-OBS": "2024-01-02", "TIME-OBS": "03:04:05"}
    assert services.add_dataset_header("example", "JW01234001001_01101_00001.CAM1", header,
                                       user="archivist") == (
        "JW01234001001_01101_00001.CAM1:JW01234001001_01101_00001.CAM1")
    found = datasets.headers_by_id("example", ["JW01234001001_01101_00001.CAM1"])
    assert list(found.values()) == [header]
    with pytest.raises(ValueError, match="no instrument"):
        services.add_dataset_header("example", "X1", {"DATE-OBS": "2024-01-02"})


def test_importing_a_dataset(example: Any, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    from astropy.io import fits

    from opencrds.server.catalog import datasets, services

    path = tmp_path / "abc123_raw.fits"
    fits.PrimaryHDU(header=fits.Header([("INSTRUME", "CAMERA"), ("ROOTNAME", "ABC123"),
                                        ("DATE-OBS", "2024-01-02")])).writeto(path)
    assert services.import_dataset("example", str(path), user="archivist") == "ABC123:ABC123"
    assert audit_log()[-1] == ("archivist", "import dataset", "ABC123:ABC123",
                               "header of abc123_raw.fits")
    assert datasets.dataset_ids("example", "camera") == ["ABC123:ABC123"]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no room")

    other = tmp_path / "xyz789_raw.fits"
    fits.PrimaryHDU(header=fits.Header([("INSTRUME", "CAMERA"),
                                        ("ROOTNAME", "XYZ789")])).writeto(other)
    monkeypatch.setattr(services, "audit", broken)
    with pytest.raises(RuntimeError):
        services.import_dataset("example", str(other), user="archivist")
    assert datasets.dataset_ids("example", "camera") == ["ABC123:ABC123"]


def test_no_model_writes_outside_the_services() -> None:
    """Admin, JSON-RPC methods and management commands change the catalog only through the
    services (issue #12 acceptance 2)."""
    writes = re.compile(r"\.save\(|\.delete\(|\)\.update\(|objects\b.*\.(create|update|"
                        r"update_or_create|get_or_create|bulk_create)\(")
    files = [SERVER / "catalog" / "admin.py", *(SERVER / "rpc").glob("*.py"),
             *(SERVER / "catalog" / "management" / "commands").glob("*.py")]
    found = [f"{path.name}:{number}: {line.strip()}" for path in files
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if writes.search(line)]
    assert found == []


# ---- the error table --------------------------------------------------------------------


def test_every_domain_error_has_its_stable_wire_name() -> None:
    from opencrds.server.catalog import errors
    from opencrds.server.rpc.errors import WIRE_NAMES, wire_name

    expected = {
        errors.UnknownContext: "UnknownContext",
        errors.UnknownFile: "UnknownFile",
        errors.UnavailableFile: "UnavailableFile",
        errors.InvalidObservatory: "InvalidObservatory",
        errors.InvalidPipelineKey: "InvalidPipelineKey",
        errors.AmbiguousSelection: "CrdsLookupError",
    }
    assert WIRE_NAMES == expected
    for cls, name in expected.items():
        assert wire_name(cls("message")) == name
    reason = ChecksumError("sha1sum mismatch", "x.rmap")
    assert wire_name(errors.ContextLoadFailed("cannot load", reason)) == "ChecksumError"
    assert wire_name(errors.ContextLoadFailed("cannot load", MappingError("bad"))) == (
        "MappingError")
    # not an answer for the client: an internal error
    for other in (errors.NotConfigured("x"), errors.ImportFailed("x"), ValueError("x")):
        assert wire_name(other) is None


def test_domain_errors_reach_the_wire_byte_for_byte() -> None:
    from opencrds.server.catalog import errors
    from opencrds.server.rpc.jsonrpc import METHODS, handle, rpc_method

    raised: list[Exception] = []

    def opencrds_test_raise() -> None:
        raise raised[-1]

    rpc_method(opencrds_test_raise)
    body = b'{"jsonrpc": "1.0", "method": "opencrds_test_raise", "params": [], "id": 3}'
    try:
        raised.append(errors.UnknownFile("File 'x.fits' is not known to CRDS."))
        assert handle(body) == (
            '{"jsonrpc": "1.0", "id": 3, "error": {"name": "UnknownFile", "code": 500, '
            '"data": null, "message": "UnknownFile: File \'x.fits\' is not known to CRDS."}, '
            '"result": null}')
        raised.append(errors.NotConfigured("set OPENCRDS_OBSERVATORY"))
        assert json.loads(handle(body))["error"] == {
            "name": "OtherError", "code": 500, "data": None,
            "message": "OtherError: internal server error (NotConfigured); see the server log"}
    finally:
        del METHODS["opencrds_test_raise"]


def test_methods_get_the_call_but_clients_cannot_pass_it() -> None:
    from opencrds.server.rpc.jsonrpc import METHODS, handle, rpc_method

    def opencrds_test_echo(word: str, call: Call) -> str:
        return f"{word} from {call.origin}"

    rpc_method(opencrds_test_echo)
    try:
        body = b'{"method": "opencrds_test_echo", "params": ["hello"], "id": 1}'
        assert json.loads(handle(body, Call(None, "tester")))["result"] == "hello from tester"
        extra = b'{"method": "opencrds_test_echo", "params": ["hello", "me"], "id": 1}'
        error = json.loads(handle(extra, Call(None, "tester")))["error"]
        assert error["name"] == "InvalidParamsError"
        assert "opencrds_test_echo(word: 'str')" in error["message"]
    finally:
        del METHODS["opencrds_test_echo"]


def test_server_info_urls_come_from_the_request_passed(example: Any) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    body = json.dumps({"jsonrpc": "1.0", "method": "get_server_info", "params": [], "id": 1})
    for host in ("localhost", "127.0.0.1:8123"):
        answer = client.post("/json/", body, content_type="application/json", HTTP_HOST=host)
        info = json.loads(answer.content)["result"]
        assert info["mapping_url"]["unchecked"]["example"] == (
            f"http://{host}/unchecked_get/mappings/example/")
        assert info["operational_context"] == example.operational_context


# ---- the revision cache -----------------------------------------------------------------


class FakeCatalog:
    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.reads = 0

    def __call__(self, observatory: str) -> tuple[int, None]:
        self.reads += 1
        return self.numbers.get(observatory, 0), None


def test_a_new_revision_drops_every_value_of_the_old_one() -> None:
    from opencrds.server.catalog.revision_cache import RevisionCache

    catalog = FakeCatalog()
    cache = RevisionCache(catalog)
    computed: list[str] = []

    def value(name: str) -> Any:
        return lambda revision: computed.append(name) or f"{name}@{revision.number}"

    assert cache.get("hst", "info", value("info")) == "info@0"
    assert cache.get("hst", "db", value("db")) == "db@0"
    assert cache.get("hst", "info", value("info")) == "info@0"
    assert cache.get("jwst", "info", value("jwst")) == "jwst@0"
    assert computed == ["info", "db", "jwst"]
    catalog.numbers["hst"] = 1
    assert cache.get("hst", "db", value("db")) == "db@1"
    assert cache.get("hst", "info", value("info")) == "info@1"
    assert cache.get("jwst", "info", value("jwst")) == "jwst@0"  # other observatories stay
    assert computed == ["info", "db", "jwst", "db", "info"]


def test_readers_say_how_old_a_revision_they_accept() -> None:
    from opencrds.server.catalog.revision_cache import RevisionCache

    now = [100.0]
    catalog = FakeCatalog()
    cache = RevisionCache(catalog, clock=lambda: now[0])
    assert cache.get("hst", "loader", lambda r: r.number, max_age=2.0) == 0
    catalog.numbers["hst"] = 5
    reads = catalog.reads
    assert cache.get("hst", "loader", lambda r: r.number, max_age=2.0) == 0  # not read again
    assert catalog.reads == reads
    now[0] += 2.5
    assert cache.get("hst", "loader", lambda r: r.number, max_age=2.0) == 5
    catalog.numbers["hst"] = 6
    assert cache.get("hst", "info", lambda r: r.number) == 6  # read now: drops revision 5
    assert cache.get("hst", "loader", lambda r: r.number, max_age=2.0) == 6


def test_a_value_computed_while_the_catalog_changed_is_not_kept() -> None:
    from opencrds.server.catalog.revision_cache import RevisionCache

    catalog = FakeCatalog()
    cache = RevisionCache(catalog)

    def compute_during_a_change(revision: Any) -> str:
        catalog.numbers["hst"] = revision.number + 1
        cache.revision("hst")
        return "stale"

    assert cache.get("hst", "info", compute_during_a_change) == "stale"
    assert cache.get("hst", "info", lambda r: f"fresh@{r.number}") == "fresh@1"


def test_the_cache_is_safe_for_threads() -> None:
    from opencrds.server.catalog.revision_cache import RevisionCache

    catalog = FakeCatalog()
    cache = RevisionCache(catalog)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for step in range(300):
                if index == 0 and step % 50 == 0:
                    catalog.numbers["hst"] = catalog.numbers.get("hst", 0) + 1
                number = cache.get("hst", ("key", step % 7), lambda r: r.number)
                assert number <= catalog.numbers.get("hst", 0)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_the_served_observatory_is_found_once() -> None:
    from opencrds.server.catalog.revision_cache import RevisionCache

    cache = RevisionCache(FakeCatalog())
    found: list[str] = []
    assert cache.observatory(lambda: found.append("x") or "hst") == "hst"
    assert cache.observatory(lambda: found.append("y") or "jwst") == "hst"
    assert found == ["x"]
    cache.clear()
    assert cache.observatory(lambda: "jwst") == "jwst"

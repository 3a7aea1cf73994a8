"""``manage import_cache`` is idempotent; ``serve --demo`` serves the demo (a made-up
JWST-shaped mission, as ``jwst``) with its history, build contexts and datasets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from server_helpers import Server, clean_env, free_port, opencrds_command

from opencrds.observatories.demo import generate_demo_mission

pytestmark = [pytest.mark.server]

COUNTS = """
import json
from opencrds.server.catalog.models import *
print(json.dumps({
    "files": list(FileRecord.objects.order_by("name").values_list("name", "sha1sum", "size",
                                                                  "available", "rejected")),
    "history": ContextHistory.objects.count(),
    "defaults": sorted(DefaultContext.objects.values_list("kind", "context")),
    "audit": AuditEntry.objects.filter(action="import cache").count(),
}, default=str))
"""


DEMO_CATALOG = """
import json
from opencrds.server.catalog.models import *
print(json.dumps({
    "builds": list(BuildContext.objects.order_by("calver").values_list("calver", "context",
                                                                       "banner")),
    "submitted": AuditEntry.objects.filter(action="submit file").count(),
    "undelivered": FileRecord.objects.filter(delivery_date__isnull=True).count(),
    "months": len({(d.year, d.month) for d in AuditEntry.objects.filter(
        action="submit file").values_list("date", flat=True)}),
    "imports": AuditEntry.objects.filter(action="import cache").count(),
}))
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*opencrds_command(), "manage", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_import_cache_is_idempotent(tmp_path: Path) -> None:
    mission = generate_demo_mission(tmp_path / "source")
    env = clean_env(OPENCRDS_HOME=str(tmp_path / "home"))
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "import_cache", str(mission.root), "--observatory", "jwst")
    first = json.loads(manage(env, "shell", "-c", COUNTS).splitlines()[-1])
    manage(env, "import_cache", str(mission.root), "--observatory", "jwst")
    second = json.loads(manage(env, "shell", "-c", COUNTS).splitlines()[-1])
    assert first["files"] == second["files"]
    assert len(first["files"]) == len(mission.mappings) + len(mission.references)
    assert all(available for _name, _sha1, _size, available, _bad in first["files"])
    assert first["history"] == second["history"] == len(mission.history)
    assert first["defaults"] == second["defaults"]
    assert ["operational", mission.operational_context] in first["defaults"]
    assert (first["audit"], second["audit"]) == (1, 2)
    stored = tmp_path / "home" / "cache"
    for name in mission.mappings:
        assert (stored / "mappings" / "jwst" / name).read_bytes() == (
            mission.mappings_dir / name).read_bytes()


def test_import_cache_rejects_a_wrong_source(tmp_path: Path) -> None:
    env = clean_env(OPENCRDS_HOME=str(tmp_path / "home"))
    manage(env, "migrate", "--verbosity", "0")
    done = subprocess.run([*opencrds_command(), "manage", "import_cache", str(tmp_path),
                           "--observatory", "hst"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "no mappings/hst" in done.stderr and "Traceback" not in done.stderr


def test_serve_demo(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    home.mkdir()
    server = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
    server.start_command = ["--demo"]
    server.start()
    try:
        assert server.get("/health").json()["observatory"] == "jwst"
        mission = generate_demo_mission(tmp_path / "expected")
        info = server.rpc("get_server_info")
        assert info["operational_context"] == mission.operational_context
        assert sorted(info["mappings"]) == sorted(mission.mappings)
        history = server.rpc("get_context_history")
        assert sorted(entry[1] for entry in history) == list(mission.contexts)
        for sample in mission.samples:
            got = server.rpc("get_best_references", sample.context, sample.header, None)
            assert got == sample.expected, sample.name
        ids = server.rpc("get_dataset_ids", mission.operational_context, "nircam")
        nircam = sorted(s.name for s in mission.samples if s.header["META.INSTRUMENT.NAME"]
                        == "NIRCAM")
        assert ids == [f"{name}:{name}" for name in nircam]
        headers = server.rpc("get_dataset_headers_by_id", mission.operational_context,
                             [nircam[0]])
        assert headers[f"{nircam[0]}:{nircam[0]}"]["META.INSTRUMENT.DETECTOR"] == "NRCA1"
        name = mission.references[0]
        response = server.get(f"/unchecked_get/references/jwst/{name}")
        assert response.content == (mission.references_dir / name).read_bytes()
        assert 'id="stage_badge">demo<' in server.get("/").text
        catalog = json.loads(server.manage("shell", "-c", DEMO_CATALOG).stdout.splitlines()[-1])
        assert catalog["builds"] == [[calver, context, calver == mission.build_contexts[-1][0]]
                                     for calver, context in mission.build_contexts]
        delivered = [name for delivery in mission.deliveries for name in delivery.files]
        assert sorted(delivered) == sorted([*mission.mappings, *mission.references])
        assert catalog["submitted"] == len(delivered)
        assert catalog["undelivered"] == 0
        assert catalog["months"] >= 8  # deliveries spread over months
    finally:
        server.stop()
    # started again, the demo is not imported twice
    server = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
    server.start_command = ["--demo"]
    server.start()
    try:
        assert server.rpc("get_server_info")["operational_context"] == (
            mission.operational_context)
        again = json.loads(server.manage("shell", "-c", DEMO_CATALOG).stdout.splitlines()[-1])
        assert again == catalog
    finally:
        server.stop()


def test_serve_demo_refuses_a_real_jwst_catalog(tmp_path: Path) -> None:
    """The demo's files share their names with the real JWST's: never in one catalog."""
    mission = generate_demo_mission(tmp_path / "source")
    env = clean_env(OPENCRDS_HOME=str(tmp_path / "home"))
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "import_cache", str(mission.root), "--observatory", "jwst")  # not the demo's
    done = subprocess.run([*opencrds_command(), "serve", "--demo", "--port", str(free_port())],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "holds a real JWST catalog" in done.stderr and "Traceback" not in done.stderr

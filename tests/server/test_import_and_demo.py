"""``manage import_cache`` is idempotent; ``serve --demo`` serves the synthetic mission."""

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


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*opencrds_command(), "manage", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_import_cache_is_idempotent(tmp_path: Path) -> None:
    mission = generate_demo_mission(tmp_path / "source")
    env = clean_env(OPENCRDS_HOME=str(tmp_path / "home"))
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "import_cache", str(mission.root), "--observatory", "demo")
    first = json.loads(manage(env, "shell", "-c", COUNTS).splitlines()[-1])
    manage(env, "import_cache", str(mission.root), "--observatory", "demo")
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
        assert (stored / "mappings" / "demo" / name).read_bytes() == (
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
    server = Server("demo", "sqlite", home, free_port(), env, home / "server.log")
    server.start_command = ["--demo"]
    server.start()
    try:
        assert server.get("/health").json()["observatory"] == "demo"
        mission = generate_demo_mission(tmp_path / "expected")
        info = server.rpc("get_server_info")
        assert info["operational_context"] == mission.operational_context
        assert sorted(info["mappings"]) == sorted(mission.mappings)
        for sample in mission.samples:
            got = server.rpc("get_best_references", sample.context, sample.header, None)
            assert {k: v for k, v in got.items() if v != "NOT FOUND n/a"} == {
                k: v for k, v in sample.expected.items() if v != "NOT FOUND n/a"}, sample.name
        name = mission.references[0]
        response = server.get(f"/unchecked_get/references/demo/{name}")
        assert response.content == (mission.references_dir / name).read_bytes()
    finally:
        server.stop()

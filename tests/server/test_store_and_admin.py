"""The server's own data is protected (issue #11 item 11, and the bundle byte limit of item 9):
only catalogued files whose real path is inside the store are served, the data folder and
database are owner-only, admin logins are throttled. A ``serve --demo`` server of its own."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import Server, clean_env, free_port, opencrds_command

from opencrds.observatories.demo import generate_demo_mission

pytestmark = [pytest.mark.server]

PASSWORD = "correct-horse-battery-staple-42"
SECRET = b"SECRET: outside the store\n"


@pytest.fixture(scope="module")
def mission(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return generate_demo_mission(tmp_path_factory.mktemp("demo-source"))


def mapping_bytes(mission) -> int:  # noqa: ANN001
    return sum((mission.mappings_dir / name).stat().st_size for name in mission.mappings)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, mission) -> Iterator[Server]:  # noqa: ANN001
    """A demo server whose bundles may carry half the demo mappings' bytes, started on a
    data folder an older OpenCRDS left world-readable."""
    home = tmp_path_factory.mktemp("demo-home")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING",
                    OPENCRDS_BUNDLE_MAX_BYTES=str(mapping_bytes(mission) // 2))
    old_umask = os.umask(0o022)  # as a default install has it
    try:
        manage(env, "migrate", "--verbosity", "0")
        for path in home.glob("db.sqlite3*"):
            path.chmod(0o644)
        home.chmod(0o755)
        server = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
        server.start_command = ["--demo"]
        server.start()
    finally:
        os.umask(old_umask)
    yield server
    server.stop()


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*opencrds_command(), "manage", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# ---- the data folder ------------------------------------------------------------------------


def test_data_folder_and_database_are_owner_only(demo: Server) -> None:
    assert stat.S_IMODE(demo.home.stat().st_mode) == 0o700
    files = sorted(demo.home.glob("db.sqlite3*"))
    assert demo.home / "db.sqlite3" in files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE((demo.home / "secret_key").stat().st_mode) == 0o600


def test_a_new_data_folder_is_owner_only_from_the_start(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    old_umask = os.umask(0o022)
    try:
        manage(clean_env(OPENCRDS_HOME=str(home)), "migrate", "--verbosity", "0")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.glob("db.sqlite3*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# ---- what the store serves ------------------------------------------------------------------


def test_files_linked_to_outside_the_store_are_not_served(demo: Server, mission,  # noqa: ANN001
                                                          tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    name = mission.references[-1]
    stored = demo.home / "cache" / "references" / "jwst" / name
    stored.unlink()
    stored.symlink_to(secret)
    response = demo.get(f"/unchecked_get/references/jwst/{name}?linked-out")
    assert response.status_code == 404
    assert response.text == f"UnavailableFile: File '{name}' is not yet available.\n"
    logged = [line for line in demo.log_path.read_text().splitlines() if "?linked-out" in line]
    assert len(logged) == 1 and " ERROR " in logged[0], logged
    served_path = demo.home.resolve() / "cache" / "references" / "jwst" / name
    assert logged[0].endswith(f"(not served: {served_path} resolves to {secret.resolve()}, "
                              "outside the store)")
    bundle = demo.post(json.dumps({"names": [name]}), path="/unchecked_bundle/jwst/")
    assert bundle.status_code == 200 and SECRET not in bundle.content
    assert json.loads(bundle.content) == {
        "name": name, "error": f"UnavailableFile: File '{name}' is not yet available."}
    # a link that stays inside the store is fine
    stored.unlink()
    stored.symlink_to(mission.references[0])
    inside = demo.get(f"/unchecked_get/references/jwst/{name}")
    assert inside.status_code == 200
    assert inside.content == (mission.references_dir / mission.references[0]).read_bytes()


def test_config_serves_only_its_own_files(demo: Server, tmp_path: Path) -> None:
    config = demo.home / "cache" / "config" / "jwst"
    (config / "notes.txt").write_bytes(SECRET)
    (config / "passwd").symlink_to("/etc/passwd")
    for name in ("notes.txt", "passwd"):
        response = demo.get(f"/unchecked_get/config/jwst/{name}")
        assert response.status_code == 404
        assert response.text == f"UnknownFile: File '{name}' is not known to CRDS.\n"
    assert demo.get("/unchecked_get/config/jwst/server_config").status_code == 200
    mode = demo.get("/unchecked_get/config/jwst/ref_cache_subdir_mode")
    assert mode.status_code == 200 and mode.text.strip() == "flat"
    secret = tmp_path / "mode"
    secret.write_bytes(SECRET)
    (config / "ref_cache_subdir_mode").unlink()
    (config / "ref_cache_subdir_mode").symlink_to(secret)
    linked = demo.get("/unchecked_get/config/jwst/ref_cache_subdir_mode")
    assert linked.status_code == 404 and SECRET not in linked.content


# ---- bundle byte limit ----------------------------------------------------------------------


def test_bundle_bytes_are_limited(demo: Server, mission) -> None:  # noqa: ANN001
    names = list(mission.mappings)
    total, limit = mapping_bytes(mission), mapping_bytes(mission) // 2
    response = demo.post(json.dumps({"names": names}), path="/unchecked_bundle/jwst/")
    assert response.status_code == 413
    assert response.text == (
        f"BadRequest: the {len(names)} files named add up to {total} bytes, more than the "
        f"{limit} bytes one bundle may carry: ask for them in smaller bundles.\n")
    advertised = demo.get(f"/unchecked_get/mappings/jwst/{names[0]}").headers
    assert advertised["X-OpenCRDS-Bundle"] == "/unchecked_bundle/jwst/"
    assert advertised["X-OpenCRDS-Bundle-Limits"] == f"names=5000, bytes={limit}"
    few = names[:3]
    small = demo.post(json.dumps({"names": few}), path="/unchecked_bundle/jwst/")
    assert small.status_code == 200
    assert small.headers["Content-Type"].startswith("application/x-opencrds-bundle")
    body = small.content
    for name in few:
        head, _, body = body.partition(b"\n")
        size = json.loads(head)["size"]
        assert body[:size] == (mission.mappings_dir / name).read_bytes()
        body = body[size:]
    assert body == b""


def test_our_client_syncs_through_the_bundle_limit(demo: Server, mission,  # noqa: ANN001
                                                   tmp_path: Path) -> None:
    """The client keeps its bundles within the byte limit the server advertises, so none is
    refused and every file arrives."""
    logged = len(demo.log_path.read_bytes())
    cache = tmp_path / "cache"
    env = clean_env(CRDS_SERVER_URL=demo.url, CRDS_PATH=str(cache), CRDS_OBSERVATORY="jwst")
    done = subprocess.run([*opencrds_command(), "sync", "--contexts",
                           mission.operational_context], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wanted = sorted(n for n in mission.mappings if (cache / "mappings" / "jwst" / n).exists())
    assert wanted and all((cache / "mappings" / "jwst" / n).read_bytes()
                          == (mission.mappings_dir / n).read_bytes() for n in wanted)
    server_log = demo.log_path.read_bytes()[logged:].decode(errors="replace")
    assert "bundle" not in server_log.lower(), server_log


# ---- admin login throttling -----------------------------------------------------------------


def admin_login(server: Server, password: str) -> httpx.Response:
    """One admin login attempt on a fresh session: the response to the login POST."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", trust_env=False,
                      timeout=60) as client:
        form = client.get("/admin/login/?next=/admin/")
        assert form.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return client.post("/admin/login/?next=/admin/", data={
            "csrfmiddlewaretoken": token, "username": "admin", "password": password,
            "next": "/admin/"})


def logged_in(response: httpx.Response) -> bool:
    return response.status_code == 302 and "sessionid" in response.cookies


#: Moves every recorded login failure back by more than the 15-minute lockout.
AGE_FAILURES = ("import datetime; from django.utils import timezone; "
                "from axes.models import AccessAttempt; AccessAttempt.objects.update("
                "attempt_time=timezone.now() - datetime.timedelta(minutes=16))")


def lock_out(server: Server) -> None:
    """Five wrong passwords, then the right one is refused."""
    for attempt in range(5):
        failed = admin_login(server, f"wrong-{attempt}")
        assert failed.status_code in (200, 429) and not logged_in(failed)
    locked = admin_login(server, PASSWORD)  # the right password, within the lockout
    assert locked.status_code == 429 and not logged_in(locked)
    assert "locked" in locked.text.lower()


def test_admin_login_is_throttled(demo: Server) -> None:
    demo.manage("shell", "-c", "from django.contrib.auth.models import User; "
                f"User.objects.create_superuser('admin', 'a@example.org', '{PASSWORD}')")
    assert logged_in(admin_login(demo, PASSWORD))
    lock_out(demo)
    demo.manage("axes_reset")  # an admin lifts the lockout at once
    assert logged_in(admin_login(demo, PASSWORD))
    lock_out(demo)
    demo.manage("shell", "-c", AGE_FAILURES)  # the lockout has run its 15 minutes
    assert logged_in(admin_login(demo, PASSWORD))

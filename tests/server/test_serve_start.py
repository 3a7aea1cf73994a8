"""Starting the server (issue #12 item 3, acceptance 5): servers and ``opencrds manage``
started together on a new data folder apply the migrations once and all come up, on SQLite and
on PostgreSQL; the admin's static files are served under gunicorn with DEBUG off; and a new
user's first command on a new data folder may be ``opencrds manage import_cache``."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import django
import httpx
import pytest
from server_helpers import (
    CRDS_CACHE,
    clean_env,
    create_database,
    drop_database,
    free_port,
    needs_shared_data,
    opencrds_command,
)

from helpers import postgres_unavailable

pytestmark = [pytest.mark.server, pytest.mark.slow]

ADMIN_CSS = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "css" / \
    "base.css"
IMPORTS = ("import json; from opencrds.server.catalog.models import AuditEntry, DefaultContext; "
           "print(json.dumps([AuditEntry.objects.filter(action='import cache').count(), "
           "DefaultContext.objects.filter(kind='operational').count()]))")


@dataclass
class Started:
    """A process started by a test, its output in a file."""

    process: subprocess.Popen
    log_path: Path
    port: int | None = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = 300) -> int:
        return self.process.wait(timeout=timeout)

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"exited {self.process.returncode}:\n" + \
                self.output()[-4000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2, trust_env=False).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError("the server did not become healthy:\n" + self.output()[-4000:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Launcher:
    """Starts ``opencrds`` commands at once, each with its own log, and stops what is left."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[Started] = []

    def start(self, env: dict[str, str], *args: str, serve: bool = False) -> Started:
        log_path = self.folder / f"{len(self.started)}-{args[0]}.log"
        port = free_port() if serve else None
        extra = ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"] if serve else []
        with open(log_path, "wb") as log:
            process = subprocess.Popen([*opencrds_command(), *args, *extra], env=env,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        started = Started(process, log_path, port)
        self.started.append(started)
        return started

    def stop_all(self) -> None:
        for started in self.started:
            started.stop()


@pytest.fixture()
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path)
    yield launcher
    launcher.stop_all()


def opencrds(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*opencrds_command(), *args], env=env, capture_output=True,
                          text=True, timeout=600)


def start_together(launcher: Launcher, env: dict[str, str]) -> list[Started]:
    """Two ``manage migrate`` and two ``serve --demo`` at once; all succeed."""
    migrations = [launcher.start(env, "manage", "migrate", "--verbosity", "0")
                  for _ in range(2)]
    servers = [launcher.start(env, "serve", "--demo", serve=True) for _ in range(2)]
    for started in migrations:
        assert started.wait() == 0, started.output()
    for server in servers:
        server.wait_healthy()
        assert httpx.get(f"{server.url}/health", trust_env=False).json()["observatory"] == "jwst"
    return servers


def assert_demo_imported_once(env: dict[str, str]) -> None:
    done = opencrds(env, "manage", "shell", "-c", IMPORTS)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [1, 1]


def assert_admin_static_files_served(url: str) -> None:
    response = httpx.get(f"{url}/static/admin/css/base.css", trust_env=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.content == ADMIN_CSS.read_bytes()
    login = httpx.get(f"{url}/admin/login/", trust_env=False)
    assert login.status_code == 200 and "/static/admin/css/base.css" in login.text


def test_servers_and_migrate_starting_together_on_sqlite(tmp_path: Path,
                                                         launcher: Launcher) -> None:
    home = tmp_path / "home"
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    servers = start_together(launcher, env)
    assert_demo_imported_once(env)
    for server in servers:  # DEBUG is off: WhiteNoise serves the collected files
        assert_admin_static_files_served(server.url)
    assert (home / "static" / "admin" / "css" / "base.css").is_file()


def test_servers_and_migrate_starting_together_on_postgresql(tmp_path: Path,
                                                             launcher: Launcher) -> None:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"opencrds_start_{uuid.uuid4().hex[:8]}"
    env = clean_env(OPENCRDS_HOME=str(tmp_path / "home"), OPENCRDS_LOG_LEVEL="WARNING",
                    DATABASE_URL=create_database(name),
                    OPENCRDS_SECRET_KEY=uuid.uuid4().hex * 2)
    try:
        servers = start_together(launcher, env)
        assert_demo_imported_once(env)
        assert_admin_static_files_served(servers[0].url)
        assert not (tmp_path / "home" / "secret_key").exists()
    finally:
        launcher.stop_all()
        drop_database(name)


@needs_shared_data
def test_import_cache_is_a_new_users_first_command(tmp_path: Path, launcher: Launcher) -> None:
    """The README's real-mission commands on a new data folder, in a user's environment (no
    CRDS, OpenCRDS or Django variables but the superuser's), with ``import_cache`` first: it applies the migrations the new database lacks."""
    home = tmp_path / "home"
    env = clean_env(OPENCRDS_HOME=str(home), DJANGO_SUPERUSER_USERNAME="admin",
                    DJANGO_SUPERUSER_EMAIL="a@example.org",
                    DJANGO_SUPERUSER_PASSWORD="correct-horse-battery-staple-42")
    done = opencrds(env, "manage", "import_cache", str(CRDS_CACHE), "--observatory", "jwst")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("imported jwst:"), done.stdout
    assert "Traceback" not in done.stderr
    done = opencrds(env, "manage", "createsuperuser", "--noinput")
    assert done.returncode == 0, done.stdout + done.stderr
    done = opencrds(env, "manage", "migrate")  # the README's first step, now nothing to do
    assert done.returncode == 0 and "No migrations to apply." in done.stdout, done.stdout
    server = launcher.start(env, "serve", "--observatory", "jwst", serve=True)
    server.wait_healthy()
    assert httpx.get(f"{server.url}/health", trust_env=False).json()["observatory"] == "jwst"
    assert_admin_static_files_served(server.url)

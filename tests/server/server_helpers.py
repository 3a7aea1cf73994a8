"""Helpers for the server acceptance tests: real ``opencrds serve`` subprocesses.

A server per (database backend, observatory) is started on first use — after ``opencrds manage
import_cache`` of the real shared CRDS cache into a temporary ``OPENCRDS_HOME`` — and kept for
the whole session. The PostgreSQL backend gets a database of its own per run on the local
server (``postgres@127.0.0.1:5432``, trust auth) and is skipped when that is unreachable.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import PG_ADMIN_URL

HERE = Path(__file__).resolve().parent
OBSERVATORIES = ("hst", "jwst")
BACKENDS = ("sqlite", "postgresql")
CONTEXTS = {"hst": "hst_0729.pmap", "jwst": "jwst_0541.pmap"}
SERVERLESS_URL = "https://crds-serverless-mode.stsci.edu"


def shared_data_dir() -> Path:
    """``$OPENCRDS_SHARED_DATA`` or ``../shared/data`` next to the repository."""
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    if env:
        return Path(env)
    return HERE.parents[1].parent / "shared" / "data"


CRDS_CACHE = shared_data_dir() / "crds-cache"
HAVE_SHARED_DATA = (CRDS_CACHE / "mappings" / "hst").is_dir()
needs_shared_data = pytest.mark.skipif(
    not HAVE_SHARED_DATA,
    reason=f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")


def opencrds_command() -> list[str]:
    """The ``opencrds`` console script of this interpreter (or ``python -m``)."""
    script = Path(sys.executable).parent / "opencrds"
    return [str(script)] if script.exists() else [sys.executable, "-m", "opencrds.tools.main"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without CRDS/OpenCRDS/Django variables or proxies, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRDS_", "OPENCRDS_", "DJANGO_", "DATABASE_URL"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1"
    if os.environ.get("OPENCRDS_SHARED_DATA"):
        env["OPENCRDS_SHARED_DATA"] = os.environ["OPENCRDS_SHARED_DATA"]
    env.update(extra)
    return env


def _die_with_parent() -> None:
    """In the server process (Linux): get SIGTERM when the test process that started it dies,
    so an interrupted run leaves no server behind. Not under xdist, where servers are shared
    between workers and outlive the one that started them until the last user is done."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crds_decode(value: Any) -> Any:
    """Undo ``crds_encode`` (PROTOCOL.md §5) where the server used it."""
    if isinstance(value, dict) and "crds_encoded" in value:
        return json.loads(gzip.decompress(base64.b64decode(value["crds_payload"])))
    return value


class RpcFailure(Exception):
    """A JSON-RPC error object came back."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


@dataclass
class Server:
    """A running ``opencrds serve`` and how to talk to it."""

    observatory: str
    backend: str
    home: Path
    port: int
    env: dict[str, str]
    log_path: Path
    import_seconds: float = 0.0
    start_command: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120, trust_env=False))

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def context(self) -> str:
        return CONTEXTS[self.observatory]

    def post(self, body: bytes | str, path: str = "/json/", **kwargs: Any) -> httpx.Response:
        data = body.encode() if isinstance(body, str) else body
        return self.client.post(f"http://127.0.0.1:{self.port}{path}", content=data, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(f"http://127.0.0.1:{self.port}{path}", **kwargs)

    def call(self, method: str, *params: Any) -> dict[str, Any]:
        """The whole response object of a JSON-RPC call (HTTP 200 expected)."""
        request = {"jsonrpc": "1.0", "method": method, "params": list(params), "id": "t-1"}
        response = self.post(json.dumps(request), path=f"/json/{method}/t-1/")
        assert response.status_code == 200, response.text
        return response.json()

    def rpc(self, method: str, *params: Any) -> Any:
        """The decoded result of a JSON-RPC call; RpcFailure on an error object."""
        answer = self.call(method, *params)
        if answer["error"]:
            raise RpcFailure(answer["error"])
        return crds_decode(answer["result"])

    def new_client(self) -> httpx.Client:
        """A client of its own (a connection of its own)."""
        return httpx.Client(timeout=120, trust_env=False)

    def raw_get(self, path: str) -> tuple[int, bytes]:
        """GET ``path`` exactly as written (no client-side normalisation of ``..``)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("GET", path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def log_lines(self) -> list[str]:
        """Every line the server has logged so far (its log file, shared by its workers)."""
        return self.log_path.read_bytes().decode("utf-8", "replace").splitlines()

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*opencrds_command(), "manage", *args], env=self.env,
                              capture_output=True, text=True, timeout=600, check=check)

    def crds_env(self, crds_path: Path, mode: str = "auto", **extra: str) -> dict[str, str]:
        """Environment for the unmodified crds client pointed at this server."""
        return clean_env(CRDS_SERVER_URL=self.url, CRDS_PATH=str(crds_path),
                         CRDS_OBSERVATORY=self.observatory, CRDS_MODE=mode,
                         CRDS_CLIENT_RETRY_COUNT="1", CRDS_CLIENT_TIMEOUT_SECONDS="120", **extra)

    def start(self) -> None:
        command = [*opencrds_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--observatory", self.observatory, "--workers", "2",
                   *self.start_command]
        self.log = open(self.log_path, "ab")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(command, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"opencrds serve exited {self.process.returncode}:\n"
                                   + self.log_path.read_text(errors="replace")[-4000:])
            try:
                if self.get("/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("opencrds serve did not become healthy:\n"
                           + self.log_path.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        self.client.close()  # no idle keep-alive connections to wait for
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` still runs: a zombie (exited, waiting for its parent, another xdist
    worker, to reap it) has stopped, and waiting for it would take the whole timeout."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust the signal
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _terminate(pid: int, timeout: float = 40) -> None:
    """SIGTERM a server (its whole process group), SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    return
            except ChildProcessError:  # started by another xdist worker
                if not _process_alive(pid):
                    return
            time.sleep(0.1)


class ServerPool:
    """Servers started on first use, one per (backend, observatory), shared by the xdist
    workers of a run: a state file per server under a lock counts its users, and the last
    user stops it (a later user starts it again)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mine: dict[tuple[str, str], Server] = {}
        self.failures: dict[tuple[str, str], str] = {}

    @contextlib.contextmanager
    def _lock(self, key: tuple[str, str]) -> Iterator[None]:
        """An exclusive lock between the xdist workers (``flock``)."""
        with open(self.root / f"{key[0]}-{key[1]}.lock", "a") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(stream, fcntl.LOCK_UN)

    def _state_path(self, key: tuple[str, str]) -> Path:
        return self.root / f"{key[0]}-{key[1]}.json"

    def get(self, backend: str, observatory: str) -> Server:
        key = (backend, observatory)
        if key in self.failures:
            pytest.fail(self.failures[key])
        if key in self.mine:
            return self.mine[key]
        with self._lock(key):
            state_path = self._state_path(key)
            state = json.loads(state_path.read_text()) if state_path.exists() else None
            if state is None or not _process_alive(state["pid"]):
                try:
                    server = self._start(backend, observatory)
                except Exception as exc:
                    self.failures[key] = f"could not start the {key} server: {exc}"
                    raise
                state = {"pid": server.process.pid, "port": server.port,
                         "home": str(server.home), "env": server.env, "users": 0,
                         "import_seconds": server.import_seconds}
            else:
                server = Server(observatory, backend, Path(state["home"]), state["port"],
                                state["env"], Path(state["home"]) / "server.log",
                                import_seconds=state["import_seconds"])
            state["users"] += 1
            state_path.write_text(json.dumps(state))
        self.mine[key] = server
        return server

    def _start(self, backend: str, observatory: str) -> Server:
        home = self.root / f"{backend}-{observatory}-{uuid.uuid4().hex[:6]}"
        home.mkdir(parents=True)
        env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
        if backend == "postgresql":
            env["DATABASE_URL"] = create_database(
                f"opencrds_test_{os.getpid()}_{uuid.uuid4().hex[:6]}_{observatory}")
            env["OPENCRDS_SECRET_KEY"] = uuid.uuid4().hex * 2  # a shared database's is given
        server = Server(observatory, backend, home, free_port(), env, home / "server.log")
        server.manage("migrate", "--verbosity", "0")
        started = time.perf_counter()
        server.manage("import_cache", str(CRDS_CACHE), "--observatory", observatory)
        server.import_seconds = time.perf_counter() - started
        server.start()
        return server

    def close(self) -> None:
        stopping: list[tuple[int, str | None]] = []
        for key, server in self.mine.items():
            server.client.close()
            with self._lock(key):
                state_path = self._state_path(key)
                state = json.loads(state_path.read_text())
                state["users"] -= 1
                if state["users"] > 0:
                    state_path.write_text(json.dumps(state))
                    continue
                state_path.unlink()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(state["pid"], signal.SIGTERM)  # all stop in parallel
                stopping.append((state["pid"], state["env"].get("DATABASE_URL")))
        for pid, database_url in stopping:
            _terminate(pid)
            if database_url:
                drop_database(database_url.rsplit("/", 1)[1])


def create_database(name: str) -> str:
    """A new empty PostgreSQL database on the test server; its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_crds(tool: str, *args: str, env: dict[str, str], timeout: int = 600
             ) -> subprocess.CompletedProcess:
    """Run a crds 14.0.3 command-line tool (``python -m crds.<tool>``) as a subprocess."""
    return subprocess.run([sys.executable, "-m", f"crds.{tool}", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_probe(plan: dict[str, Any], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """Run crds_probe.py with ``plan`` under ``env``; its JSON output."""
    workdir.mkdir(parents=True, exist_ok=True)
    plan_path, out_path = workdir / "plan.json", workdir / "out.json"
    plan_path.write_text(json.dumps(plan))
    done = subprocess.run([sys.executable, str(HERE / "crds_probe.py"), str(plan_path),
                           str(out_path)], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(out_path.read_text())


def serverless_env(observatory: str) -> dict[str, str]:
    """crds in serverless mode over the shared (read-only) cache: the oracle."""
    return clean_env(CRDS_PATH=str(CRDS_CACHE), CRDS_READONLY_CACHE="1",
                     CRDS_SERVER_URL=SERVERLESS_URL, CRDS_OBSERVATORY=observatory,
                     CRDS_MODE="local", CRDS_ALLOW_BAD_RULES="1",
                     CRDS_ALLOW_BAD_REFERENCES="1")


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)

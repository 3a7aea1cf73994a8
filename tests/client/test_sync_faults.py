"""``opencrds sync`` under faults, against a live ``opencrds serve`` (issue 5, acceptance 3).

A download cut in the middle, bytes that do not match their sha1, a full disk, two syncs at
once into one cache and a readonly cache: never a partial or corrupt file under its real name,
an error that says what happened, and a rerun that completes the job. The cut and the corrupt
bytes come from a small HTTP relay between the client and the real server; the full disk is a
small tmpfs (needs root; skipped otherwise).
"""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import CRDS_CACHE, Server, clean_env, opencrds_command

import opencrds

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

CONTEXT = "hst_0729.pmap"


class FaultyRelay:
    """Forwards every request to ``upstream``; while ``fault`` is set, file transfers (any
    request outside ``/json``) are damaged: ``"cut"`` sends half the body and drops the
    connection, ``"corrupt"`` flips one byte in the middle of the body."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.fault: str | None = None
        self.damaged = 0
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                relay.forward(self)

            do_POST = do_HEAD = do_GET  # noqa: N815

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.client = httpx.Client(timeout=120)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("content-length", "connection",
                                        "accept-encoding")}
        upstream = self.client.request(handler.command, self.upstream + handler.path,
                                       content=body, headers=headers)
        content = upstream.content
        fault = self.fault if not handler.path.startswith("/json") else None
        if fault and len(content) > 2:
            self.damaged += 1
        handler.send_response(upstream.status_code)
        for key, value in upstream.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                   "content-encoding"):
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        if fault == "cut" and len(content) > 2:
            handler.wfile.write(content[: len(content) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if fault == "corrupt" and len(content) > 2:
            middle = len(content) // 2
            content = content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1:]
        handler.wfile.write(content)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.client.close()


@pytest.fixture
def relay(live_hst: Server) -> Iterator[FaultyRelay]:
    relay = FaultyRelay(live_hst.url)
    yield relay
    relay.close()


def sync(server_url: str, cache: Path, *args: str,
         check_status: int | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env(CRDS_SERVER_URL=server_url, CRDS_PATH=str(cache), CRDS_OBSERVATORY="hst",
                    CRDS_MODE="remote", CRDS_CLIENT_RETRY_COUNT="1")
    done = subprocess.run([*opencrds_command(), "sync", *args], env=env, capture_output=True,
                          text=True, timeout=600)
    if check_status is not None:
        assert done.returncode == check_status, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def context_mappings() -> list[str]:
    return opencrds.load_context(CONTEXT, cache=CRDS_CACHE).mapping_names()


def shared_references() -> list[str]:
    folder = CRDS_CACHE / "references" / "hst"
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def original(name: str) -> Path:
    folder = "mappings" if name.endswith("map") else "references"
    return next((CRDS_CACHE / folder / "hst").rglob(name))


def assert_only_whole_files(cache: Path) -> list[str]:
    """Every file in the cache's mapping and reference folders is byte-identical to the
    original, and nothing else (no temporary or partial file) is left; returns their names."""
    names = []
    for folder in ("mappings", "references"):
        root = cache / folder / "hst"
        for path in (root.rglob("*") if root.is_dir() else ()):
            if path.is_file():
                assert hashlib.sha1(path.read_bytes()).hexdigest() == \
                    hashlib.sha1(original(path.name).read_bytes()).hexdigest(), path
                names.append(path.name)
    return sorted(names)


def some_files() -> list[str]:
    return [*context_mappings()[:12], *shared_references()]


@pytest.mark.parametrize("fault, message", [("cut", ""), ("corrupt", "sha1")])
def test_damaged_transfers_leave_no_file_and_a_rerun_completes(
        relay: FaultyRelay, tmp_path: Path, fault: str, message: str) -> None:
    cache = tmp_path / "cache"
    files = some_files()
    relay.fault = fault
    first = sync(relay.url, cache, "--files", *files)
    assert relay.damaged > 0
    assert first.returncode != 0
    errors = [line for line in first.stderr.splitlines() if "ERROR" in line]
    assert errors, first.stderr[-3000:]
    if message:
        assert any(message in line for line in errors), errors
    assert any(name in "\n".join(errors) for name in files), errors
    assert_only_whole_files(cache)

    relay.fault = None
    sync(relay.url, cache, "--files", *files, check_status=0)
    assert assert_only_whole_files(cache) == sorted(files)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_leaves_no_partial_file_and_a_rerun_completes(
        live_hst: Server, small_disk: Path) -> None:
    cache = small_disk / "cache"
    mappings = context_mappings()
    first = sync(live_hst.url, cache, "--contexts", CONTEXT)
    assert first.returncode != 0
    assert "No space left on device" in first.stderr, first.stderr[-3000:]
    synced_first = assert_only_whole_files(cache)
    assert len(synced_first) < len(mappings)

    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    sync(live_hst.url, cache, "--contexts", CONTEXT, check_status=0)
    assert assert_only_whole_files(cache) == sorted(mappings)


def test_two_syncs_at_once_into_one_cache(live_hst: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = clean_env(CRDS_SERVER_URL=live_hst.url, CRDS_PATH=str(cache), CRDS_OBSERVATORY="hst",
                    CRDS_MODE="remote")
    command = [*opencrds_command(), "sync", "--contexts", CONTEXT, "--files",
               *shared_references()]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
    assert assert_only_whole_files(cache) == sorted([*context_mappings(), *shared_references()])


def test_readonly_cache_writes_nothing_and_says_so(live_hst: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    done = sync(live_hst.url, cache, "--readonly-cache", "--files", *some_files())
    assert "READONLY" in done.stderr.upper(), done.stderr[-3000:]
    assert not any(p.is_file() for p in cache.rglob("*"))
    sync(live_hst.url, cache, "--files", *some_files(), check_status=0)
    assert assert_only_whole_files(cache) == sorted(some_files())


def test_relay_is_transparent(relay: FaultyRelay) -> None:
    """The relay itself changes nothing when no fault is set."""
    name = context_mappings()[0]
    response = httpx.get(f"{relay.url}/unchecked_get/mappings/hst/{name}")
    assert response.status_code == 200
    assert response.content == original(name).read_bytes()

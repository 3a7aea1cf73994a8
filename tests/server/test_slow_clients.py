"""Slow and idle clients (issue #11 item 7): hundreds of them do not stop the server from
answering others, and the server closes them after its read timeout (``--read-timeout``)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, HERE, Server, clean_env, free_port

pytestmark = [pytest.mark.server, pytest.mark.shared_data]

READ_TIMEOUT = 8  # seconds: long enough to make the requests below while the slow ones wait
SLOW_CONNECTIONS = 300
REFERENCE = "z1q2219el_2zx.fits"
HEADER = {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "CCDGAIN": "2.0",
          "APERTURE": "WFC", "NUMCOLS": "4144", "NUMROWS": "2068", "LTV1": "24.0", "LTV2": "0.0",
          "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An HST server of its own, with a short read timeout."""
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    home = tmp_path_factory.mktemp(f"slow-{uuid.uuid4().hex[:6]}")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    server = Server("hst", "sqlite", home, free_port(), env, home / "server.log")
    server.manage("migrate", "--verbosity", "0")
    server.manage("import_cache", str(CRDS_CACHE), "--observatory", "hst")
    server.start_command = ["--read-timeout", str(READ_TIMEOUT)]
    server.start()
    yield server
    server.stop()


def start_slow_clients(port: int, count: int, seconds: float) -> subprocess.Popen:
    """slow_client_probe.py in a process of its own, once all its connections are open."""
    probe = subprocess.Popen([sys.executable, str(HERE / "slow_client_probe.py"), str(port),
                              str(count), str(seconds)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    line = probe.stdout.readline()
    if line.strip() != "ready":
        probe.kill()
        raise AssertionError(f"the slow clients did not start: {line}{probe.stderr.read()}")
    return probe


def ordinary_requests(server: Server, client: httpx.Client) -> dict[str, object]:
    """Best references, /health and a Range download, as any client makes them."""
    base = f"http://127.0.0.1:{server.port}"
    request = {"jsonrpc": "1.0", "method": "get_best_references", "id": "s-1",
               "params": ["hst_0729.pmap", HEADER, ["biasfile", "darkfile"]]}
    rpc = client.post(f"{base}/json/get_best_references/s-1/", content=json.dumps(request))
    health = client.get(f"{base}/health")
    part = client.get(f"{base}/unchecked_get/references/hst/{REFERENCE}",
                      headers={"Range": "bytes=100-4195"})
    return {"rpc": (rpc.status_code, rpc.json()["error"], rpc.json()["result"]),
            "health": (health.status_code, health.json()["status"]),
            "range": (part.status_code, part.content)}


def test_others_are_answered_while_hundreds_of_slow_clients_wait(server: Server) -> None:
    reference = next((CRDS_CACHE / "references" / "hst").rglob(REFERENCE)).read_bytes()
    with httpx.Client(timeout=30, trust_env=False) as client:  # a client's usual patience
        expected = ordinary_requests(server, client)
        assert expected["health"] == (200, "ok")
        assert expected["range"] == (206, reference[100:4196])
        assert expected["rpc"][:2] == (200, None)
        assert set(expected["rpc"][2]) == {"biasfile", "darkfile"}
        probe = start_slow_clients(server.port, SLOW_CONNECTIONS, 5 * READ_TIMEOUT)
        try:
            for _ in range(3):  # fresh connections and kept-alive ones
                assert ordinary_requests(server, client) == expected
            with httpx.Client(timeout=30, trust_env=False) as other:
                assert ordinary_requests(server, other) == expected
        finally:
            out, err = probe.communicate(timeout=10 * READ_TIMEOUT)
    summary = json.loads(out.splitlines()[-1])
    # ... and the server closed every one of them after its read timeout
    assert {kind: (entry["opened"], entry["closed"]) for kind, entry in summary.items()} == {
        kind: (SLOW_CONNECTIONS // 3, SLOW_CONNECTIONS // 3)
        for kind in ("slow-headers", "slow-body", "idle")}, err
    assert summary["slow-body"]["responses"] == ["HTTP/1.1 408 Request Timeout"]
    assert summary["slow-headers"]["responses"] == []
    assert summary["idle"]["responses"] == []
    log = Path(server.log_path).read_text(errors="replace")
    assert "Traceback" not in log

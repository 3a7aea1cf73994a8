"""The task queue on Redis, as a deployment of several hosts runs it: ``opencrds serve
--no-consumer`` with ``OPENCRDS_QUEUE_URL=redis://...`` and a separate ``opencrds manage
run_huey``; a delivery goes through that queue to READY and is confirmed."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, clean_env
from submission_servers import TEST_DATA, server_command, start_submission_server

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_unavailable() -> str | None:
    try:
        import redis
    except ImportError:
        return "the redis package is not installed (pip install 'opencrds[redis]')"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"no Redis at {REDIS_URL}: {exc}"
    return None


def test_a_delivery_through_a_redis_queue(tmp_path: Path) -> None:
    reason = _redis_unavailable()
    if reason:
        pytest.skip(reason)
    import redis

    name = f"opencrdstest{uuid.uuid4().hex[:8]}"  # Huey keeps only letters and digits
    queue_env = {"OPENCRDS_QUEUE_URL": REDIS_URL, "OPENCRDS_QUEUE_NAME": name}
    served = start_submission_server(tmp_path / "server", "jwst", ["niriss"],
                                     backend_env=queue_env, serve_args=("--no-consumer",))
    server = served.server
    log = open(server.home / "consumer.log", "wb")  # noqa: SIM115
    consumer = subprocess.Popen([*server_command(), "manage", "run_huey"], env=server.env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        before = server.rpc("get_server_info")["edit_context"]
        work = tmp_path / "work"
        work.mkdir()
        upload = work / "niriss_ref_photom.fits"
        shutil.copy(TEST_DATA / "jwst" / upload.name, upload)
        env = clean_env(CRDS_SERVER_URL=served.url, CRDS_PATH=str(tmp_path / "cache"),
                        HOME=str(tmp_path), CRDS_USERNAME="alice",
                        MAST_API_TOKEN=served.tokens["alice"])
        done = subprocess.run([*server_command(), "submit", "--files", str(upload),
                               "--description", "Through Redis", "--monitor-processing",
                               "--wait-for-completion", "--wipe-existing-files",
                               "--autoconfirm"], env=env, cwd=work, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert server.rpc("get_server_info")["edit_context"] != before
        client = redis.Redis.from_url(REDIS_URL)
        assert any(name in key.decode() for key in client.keys("*")), "queue not in Redis"
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
        log.close()
        server.stop()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.keys(f"*{name}*"):
            client.delete(key)

"""End to end through the real task queue (issue #13): a fresh home with the real JWST cache,
a submission created and enqueued by one process, processed by ``opencrds manage run_huey``
(the consumer ``opencrds serve`` starts), its progress read back; then a consumer stopped in
the middle of the work and ``manage recover_submissions`` failing what it left STARTED."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, clean_env, opencrds_command

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.shared_data,
              pytest.mark.skipif(not HAVE_SHARED_DATA, reason="shared CRDS data not found")]

HERE = Path(__file__).resolve().parent

SUBMIT = """
import sys
from pathlib import Path
from opencrds.server import setup
setup()
from processing_helpers import miri_ipc
from opencrds.server.accounts import locks, services
from opencrds.server.submissions.processing import enqueue
from opencrds.server.submissions.services import create_submission
user, _ = services.add_user("queued", "queued@example.org", "jwst", password="pw-queued-12345",
                            instruments=["miri"])
locks.acquire(user, "jwst", "miri")
source = miri_ipc(Path(sys.argv[1]), sys.argv[2], useafter=sys.argv[3])
submission = create_submission(user, "batch", "jwst", {"description": "queued",
                               "instrument": "miri", "base_url": "http://queue"}, [source])
enqueue(submission)
print(submission.pk)
"""

STATUS = """
import json, sys
from opencrds.server import setup
setup()
from opencrds.server.submissions.jpoll.channels import pull
from opencrds.server.submissions.models import Submission
submission = Submission.objects.get(pk=sys.argv[1])
print(json.dumps({"status": submission.status, "result": submission.result,
                  "messages": pull(submission.channel_id, 0)}))
"""


def _python(env: dict[str, str], script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-c", script, *args], env=env, text=True,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def _status(env: dict[str, str], submission: str) -> dict:
    return json.loads(_python(env, STATUS, submission))


def _consumer(env: dict[str, str], home: Path) -> subprocess.Popen:
    log = open(home / "consumer.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([*opencrds_command(), "manage", "run_huey", "-w", "1", "-k",
                             "thread"], env=env, stdout=log, stderr=log)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("queue-home")
    pythonpath = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_OBSERVATORY="jwst",
                    OPENCRDS_EMAIL_DIR=str(home / "mail"), PYTHONPATH=pythonpath)
    for args in (["migrate", "-v0"],
                 ["import_cache", str(CRDS_CACHE), "--observatory", "jwst", "-v0"]):
        subprocess.run([*opencrds_command(), "manage", *args], env=env, check=True,
                       timeout=300, capture_output=True)
    return home, env


def test_the_consumer_processes_a_submission(home: tuple[Path, dict[str, str]]) -> None:
    folder, env = home
    submission = _python(env, SUBMIT, str(folder / "made"), "queued.fits",
                         "2025-03-03T00:00:00")
    assert _status(env, submission)["status"] == "started"  # nothing runs it in the request
    consumer = _consumer(env, folder)
    try:
        deadline = time.monotonic() + 90
        while (state := _status(env, submission))["status"] == "started":
            assert time.monotonic() < deadline, "the consumer did not process the submission"
            time.sleep(1)
    finally:
        _stop(consumer)
    assert state["status"] == "ready", state["result"]["errors"]
    assert state["result"]["new_context"] == "jwst_0542.pmap"
    assert state["messages"][-1] == {"id": state["messages"][-1]["id"], "type": "done",
                                     "data": {"status": 0,
                                              "result": f"http://queue/display_result/"
                                                        f"{submission}"}}
    assert any("READY" in p.read_text() for p in (folder / "mail").iterdir())


def test_recover_fails_what_a_dead_consumer_left(home: tuple[Path, dict[str, str]]) -> None:
    folder, env = home
    submission = _python(env, SUBMIT, str(folder / "made"), "lost.fits", "2025-04-04T00:00:00")
    # the consumer takes the task off the queue and is killed before it is done
    consumer = _consumer(env, folder)
    try:
        deadline = time.monotonic() + 60
        while _status(env, submission)["messages"] == []:
            assert time.monotonic() < deadline, "the consumer never started the submission"
            time.sleep(0.2)
    finally:
        consumer.kill()
        consumer.wait()
    state = _status(env, submission)
    if state["status"] != "started":
        pytest.skip(f"the consumer finished before it was killed ({state['status']})")
    proc = subprocess.run([*opencrds_command(), "manage", "recover_submissions"], env=env,
                          text=True, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"failed: {submission}" in proc.stdout
    state = _status(env, submission)
    assert state["status"] == "fail"
    assert state["messages"][-1]["data"]["status"] == 1
    assert not (folder / "submissions" / submission).exists()

"""Faults made from outside, as real crashes are (issue #13), against one real ``opencrds serve``
(JWST, NIRISS submitter ``alice``, ``OPENCRDS_UPLOAD_MAX_BYTES`` set small):

- the queue worker (the consumer and its worker processes) SIGKILLed while it certifies a
  30-file delivery leaves nothing in the catalog or the file store; after a restart the
  submission is FAIL (result page, jpoll ``done`` 1, staging removed) and a new delivery works;
  a second delivery killed right as it became READY still gets its ``done`` and can be confirmed;
- a confirmation SIGKILLed before its first commit, at CONFIRMING, at CONFIRMED and after
  various delays ends, after ``recover_submissions``, either CONFIRMED with everything in place
  (staging removed) or still READY with nothing of it in CRDS, never partial; recovering again
  changes nothing; the gunicorn workers killed while one serves POST /submit_confirm/ too;
- uploads that are oversize, stopped half way, not FITS or named to escape the upload area are
  refused over HTTP with a clear message, and the real ``crds submit`` reports an oversize file.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, Server
from submission_servers import (
    TEST_DATA,
    SubmissionServer,
    errors_in,
    run_crds_submit,
    start_submission_server,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_SHARED_DATA,
                                 reason=f"shared CRDS data not found at {CRDS_CACHE}")]

SOURCE = TEST_DATA / "jwst" / "niriss_ref_photom.fits"
INSTRUMENT = "niriss"
MAX_BYTES = 3_000_000  # the server's OPENCRDS_UPLOAD_MAX_BYTES: the NIRISS file (1.2 MB) fits
_DAYS = iter(range(0, 100_000, 1))  # each made file its own USEAFTER: never a duplicate


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("faults")
    served = start_submission_server(root, "jwst", [INSTRUMENT],
                                     backend_env={"OPENCRDS_UPLOAD_MAX_BYTES": str(MAX_BYTES)})
    yield served
    served.server.stop()


# ---- helpers ------------------------------------------------------------------------------------


def make_files(folder: Path, count: int) -> list[Path]:
    """``count`` variants of the NIRISS photom reference, each with a USEAFTER of its own."""
    from astropy.io import fits

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for _ in range(count):
        day = next(_DAYS)
        when = datetime.datetime(2031, 1, 1) + datetime.timedelta(days=day)
        path = folder / f"fault_niriss_photom_{day:05d}.fits"
        with fits.open(SOURCE) as hdus:
            hdus[0].header["USEAFTER"] = when.strftime("%Y-%m-%dT%H:%M:%S")
            hdus.writeto(path, overwrite=True)
        files.append(path)
    return files


def login(served: SubmissionServer, user: str = "alice") -> httpx.Client:
    """A browser-like session of ``user`` logged in with the NIRISS lock (as crds submit)."""
    client = httpx.Client(base_url=served.url, timeout=300, follow_redirects=True,
                          trust_env=False, headers={"referer": served.url})
    csrf = _csrf(client, "/login/")
    response = client.post("/login/", data={"username": user, "password": served.tokens[user],
                                            "instrument": INSTRUMENT, "next": "/",
                                            "csrfmiddlewaretoken": csrf})
    response.raise_for_status()
    assert "sessionid" in client.cookies, response.text[-2000:]
    return client


def _csrf(client: httpx.Client, path: str) -> str:
    client.get(path).raise_for_status()
    return client.cookies["csrftoken"]


def multipart(files: list[tuple[str, bytes]], **fields: str) -> tuple[bytes, str]:
    """A multipart body with file names exactly as given (no client strips directories)."""
    boundary = "----faults" + uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    for name, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_upload(client: httpx.Client, name: str, data: bytes,
                content_range: str | None = None) -> httpx.Response:
    body, content_type = multipart([(name, data)],
                                   csrfmiddlewaretoken=_csrf(client, "/upload/chunked/"))
    headers = {"content-type": content_type}
    if content_range:
        headers["content-range"] = content_range
    return client.post("/upload/chunked/", content=body, headers=headers)


def upload_error(response: httpx.Response) -> str:
    return next(entry["error"] for entry in response.json()["files"] if "error" in entry)


def start_delivery(client: httpx.Client, files: list[Path]) -> str:
    """Upload ``files`` and post the batch form (no confirmation); the jpoll key."""
    key = client.get("/jpoll/open_channel").json()
    for path in files:
        response = post_upload(client, path.name, path.read_bytes())
        assert response.status_code == 200, response.text
    csrf = _csrf(client, "/batch_submit_references/")
    response = client.post("/batch_submit_references/", data={
        "pmap_mode": "pmap_edit", "instrument": INSTRUMENT, "change_level": "SEVERE",
        "creator": "Fault Tests", "description": "Fault injection delivery",
        "auto_rename": "True", "compare_old_reference": "True", "jpoll_key": key,
        "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200, response.text[-3000:]
    return key


def pull(server: Server, key: str, since: int = 0) -> list[dict[str, Any]]:
    return server.rpc("jpoll_pull_messages", key, since)


def wait_for(server: Server, key: str, predicate: Any, timeout: float = 300
             ) -> list[dict[str, Any]]:
    """Poll the channel until ``predicate(messages so far)``; the messages."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages += pull(server, key, max([int(m["id"]) for m in messages], default=0))
        if predicate(messages):
            return messages
        time.sleep(0.02)
    raise AssertionError(f"channel {key}: condition not met in {timeout} s: {messages[-5:]}")


def is_done(messages: list[dict[str, Any]]) -> bool:
    return any(m["type"] == "done" for m in messages)


def result_id(messages: list[dict[str, Any]]) -> str:
    done = [m for m in messages if m["type"] == "done"]
    assert len(done) == 1, messages[-5:]
    return done[0]["data"]["result"].rstrip("/").rsplit("/", 1)[1]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def queue_processes(server: Server) -> list[int]:
    """The consumer under ``opencrds serve`` and its worker processes (consumer first)."""
    assert server.process is not None
    consumers = [p for p in children(server.process.pid) if "run_huey" in cmdline(p)]
    assert len(consumers) == 1, [cmdline(p) for p in children(server.process.pid)]
    return consumers + children(consumers[0])


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def restart(server: Server) -> None:
    """Stop ``opencrds serve`` and start it again on the same home (it runs recovery)."""
    server.stop()
    server.client = httpx.Client(timeout=120, trust_env=False)
    server.start()


def store_listing(server: Server) -> dict[str, int]:
    """Every file of the store (``<home>/cache``): relative path -> size."""
    root = server.home / "cache"
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


PROBE = """
import json, sys
from opencrds.server import setup
setup()
from opencrds.server.catalog.filestore import get_file_store
from opencrds.server.catalog.models import DefaultContext, FileRecord
from opencrds.server.submissions.models import Delivery, Submission
from opencrds.server.submissions.processing import staging_dir
from opencrds.server.submissions.services import delivered_names
state = {"records": FileRecord.objects.filter(observatory="jwst").count(),
         "edit": DefaultContext.objects.get(observatory="jwst", kind="edit").context}
if len(sys.argv) > 1:
    s = Submission.objects.get(pk=sys.argv[1])
    names = delivered_names(s)
    store = get_file_store()
    state.update(status=s.status, new_context=s.new_context, names=names,
                 recorded=sorted(FileRecord.objects.filter(observatory="jwst", name__in=names)
                                 .values_list("name", flat=True)),
                 stored={n: store.size("jwst", n) for n in names if store.exists("jwst", n)},
                 sizes={f["name"]: f["size"] for f in s.result.get("files", [])},
                 deliveries=Delivery.objects.filter(submission=s).count(),
                 staging=staging_dir(s).exists(), errors=s.result.get("errors", []))
print(json.dumps(state))
"""


def probe(server: Server, submission: str = "") -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PROBE, *([submission] if submission else [])],
                          env=server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def recover(server: Server) -> str:
    done = server.manage("recover_submissions", "--verbosity", "2")
    return done.stdout + done.stderr


# ---- 1. the queue worker killed while it processes -------------------------------------------


def test_worker_killed_during_processing_leaves_nothing_and_fails_on_restart(
        served: SubmissionServer, tmp_path: Path) -> None:
    server = served.server
    info = server.rpc("get_server_info")
    mappings = server.rpc("list_mappings", "jwst", "*")
    references = server.rpc("list_references", "jwst", "*")
    file_map = server.rpc("get_file_info_map", "jwst", None, ["size", "sha1sum"])
    before, store = probe(server), store_listing(server)

    client = login(served)
    key = start_delivery(client, make_files(tmp_path / "files", 30))
    # a second, 1-file delivery on the other worker: killed as soon as it is READY, which may
    # be before its stream got its ``done``
    small = start_delivery(client, make_files(tmp_path / "small", 1))
    deadline = time.monotonic() + 120
    while channel_status(server, small) == "started" and time.monotonic() < deadline:
        time.sleep(0.001)
    victims = queue_processes(server)
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    assert channel_status(server, small) == "ready"
    messages = pull(server, key)
    assert any("Certifying" in str(m["data"]) for m in messages), messages
    assert not is_done(messages), "the 30-file processing ended before it could be killed"
    small_done_at_kill = is_done(pull(server, small))
    deadline = time.monotonic() + 20
    while any(alive(p) for p in victims) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in victims)

    # nothing of the delivery is in CRDS: rows, mappings, store files
    assert server.rpc("get_server_info")["edit_context"] == info["edit_context"]
    assert server.rpc("list_mappings", "jwst", "*") == mappings
    assert server.rpc("list_references", "jwst", "*") == references
    assert server.rpc("get_file_info_map", "jwst", None, ["size", "sha1sum"]) == file_map
    assert probe(server) == before
    assert store_listing(server) == store

    restart(server)
    messages = wait_for(server, key, is_done, timeout=30)
    done = [m for m in messages if m["type"] == "done"]
    assert len(done) == 1 and done[0]["data"]["status"] == 1, messages[-5:]
    submission = result_id(messages)
    state = probe(server, submission)
    assert state["status"] == "fail" and not state["staging"]
    assert "interrupted" in state["errors"][0]
    assert state["records"] == before["records"] and state["edit"] == before["edit"]
    assert state["recorded"] == [] and state["stored"] == {}
    assert store_listing(server) == store
    page = client.get(f"/display_result/{submission}")
    assert page.status_code == 200
    assert re.search(r'id="submission_status">fail<', page.text), page.text[-3000:]
    assert "Submission processing was interrupted" in page.text

    # the delivery killed once READY: its stream ends with one done 0 and it can be confirmed
    messages = pull(server, small)
    assert [m["data"]["status"] for m in messages if m["type"] == "done"] == [0], \
        (small_done_at_kill, messages[-5:])
    ready = result_id(messages)
    assert probe(server, ready)["status"] == "ready"
    csrf = _csrf(client, f"/display_result/{ready}")
    response = client.post("/submit_confirm/", data={
        "results_id": ready, "button": "confirm", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200, response.text[-2000:]
    state = probe(server, ready)
    assert state["status"] == "confirmed" and state["recorded"] == sorted(state["names"])
    print("the READY delivery's stream had its done at the kill:", small_done_at_kill)
    before = probe(server)

    # the lock: still alice's NIRISS lock (her session lives on) or none, nobody else's
    status = client.get("/lock_status/alice/").json()
    assert status["name"] in ("", INSTRUMENT), status
    client.close()

    # and a new delivery goes through to the end with the real crds submit
    [path] = make_files(tmp_path / "after", 1)
    done_submit = run_crds_submit(served.crds_env(tmp_path / "client-cache"), [path],
                                  tmp_path / "after", "--description", "After the crash",
                                  "--creator", "Fault Tests")
    output = done_submit.stdout + done_submit.stderr
    assert done_submit.returncode == 0 and errors_in(output) == [], output[-6000:]
    after = probe(server)
    assert after["edit"] != before["edit"] and after["records"] > before["records"]
    assert server.rpc("get_server_info")["edit_context"] == after["edit"]


# ---- 2. a confirmation killed part way -------------------------------------------------------

CONFIRM = """
import sys
from opencrds.server import setup
setup()
from django.contrib.auth import get_user_model
from opencrds.server.submissions import services
from opencrds.server.submissions.models import Submission
submission = Submission.objects.get(pk=sys.argv[1])
user = get_user_model().objects.get(username="alice")
print("GO", flush=True)
services.confirm(submission, user)
print("CONFIRMED", flush=True)
"""


def ready_submission(served: SubmissionServer, folder: Path, count: int) -> tuple[str, Any]:
    """A READY ``count``-file delivery of alice (logged in with the lock); id and session."""
    client = login(served)
    key = start_delivery(client, make_files(folder, count))
    messages = wait_for(served.server, key, is_done)
    assert [m["data"]["status"] for m in messages if m["type"] == "done"] == [0], messages[-8:]
    submission = result_id(messages)
    assert probe(served.server, submission)["status"] == "ready"
    return submission, client


def channel_status(server: Server, key: str) -> str:
    """The status of the submission streaming to jpoll channel ``key`` (from SQLite)."""
    with closing(sqlite3.connect(server.home / "db.sqlite3", timeout=10)) as db:
        row = db.execute("SELECT status FROM submissions_submission WHERE channel_id = ?",
                         (key,)).fetchone()
    return row[0] if row else "started"


def database_status(server: Server, submission: str) -> str:
    """The submission's status read straight from the server's SQLite file."""
    with closing(sqlite3.connect(server.home / "db.sqlite3", timeout=10)) as db:
        row = db.execute("SELECT status FROM submissions_submission WHERE id = ?",
                         (uuid.UUID(submission).hex,)).fetchone()
    return row[0]


def kill_confirmation(server: Server, submission: str, when: str | float
                      ) -> tuple[bool, str]:
    """Run ``services.confirm`` in a process of its own, as a web worker would, and SIGKILL
    it: ``when`` seconds into the call, or ``"locked"`` (while it waits for the database,
    which the test holds: before its first commit), ``"confirming"`` / ``"confirmed"`` (as
    soon as that status is committed). Whether it finished first; the status at the kill."""
    blocker = None
    if when == "locked":
        blocker = sqlite3.connect(server.home / "db.sqlite3", timeout=10,
                                  isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
    process = subprocess.Popen([sys.executable, "-c", CONFIRM, submission], env=server.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "GO", line + process.stderr.read()[-3000:]
        if isinstance(when, float):
            time.sleep(when)
        elif when == "locked":
            time.sleep(0.3)
        elif when == "copying":  # a partial copy in the store (a temporary file)
            references = server.home / "cache" / "references" / "jwst"
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline \
                    and not any(n.startswith(".tmp_") for n in os.listdir(references)):
                time.sleep(0.0005)
        else:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline \
                    and database_status(server, submission) not in (when, "confirmed"):
                time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        rest, errors = process.communicate(timeout=60)
    finally:
        if blocker is not None:
            blocker.execute("ROLLBACK")
            blocker.close()
    finished = "CONFIRMED" in rest
    assert finished or process.returncode == -signal.SIGKILL, errors[-3000:]
    status = database_status(server, submission)
    if any(".tmp_" in name for name in store_listing(server)):
        status += " (with a partial copy in the store)"
    return finished, status


def assert_consistent(served: SubmissionServer, submission: str, before: dict[str, Any],
                      store: dict[str, int]) -> str:
    """Either confirmed with everything in place, or READY with nothing in CRDS."""
    server = served.server
    state = probe(server, submission)
    names = state["names"]
    assert names and state["new_context"] in names
    if state["status"] == "confirmed":
        assert state["recorded"] == sorted(names), state
        assert set(state["stored"]) == set(names), state
        assert all(state["stored"][n] == size for n, size in state["sizes"].items()), state
        assert state["records"] == before["records"] + len(names)
        assert state["edit"] == state["new_context"]
        assert server.rpc("get_server_info")["edit_context"] == state["new_context"]
        assert state["deliveries"] == 1 and not state["staging"]
        assert set(store_listing(server)) - set(store) == {
            f"{'mappings' if n.endswith('map') else 'references'}/jwst/{n}" for n in names}
    else:
        assert state["status"] == "ready", state
        assert state["recorded"] == [] and state["stored"] == {}, state
        assert state["records"] == before["records"] and state["edit"] == before["edit"]
        assert state["deliveries"] == 0 and state["staging"]
        assert store_listing(server) == store
    return state["status"]


#: When each confirmation is killed, and what recovery must make of it (None: either end).
KILLS = [("locked", "ready"), ("confirming", "confirmed"), ("copying", "confirmed"),
         ("confirmed", "confirmed"),
         (0.0, None), (0.05, None), (0.2, None), (30.0, "confirmed")]


def test_confirmation_killed_part_way_is_all_or_nothing(served: SubmissionServer,
                                                        tmp_path: Path) -> None:
    server = served.server
    seen = []
    for index, (when, expected) in enumerate(KILLS):
        submission, client = ready_submission(served, tmp_path / f"round{index}", 8)
        before, store = probe(server), store_listing(server)
        finished, killed_in = kill_confirmation(server, submission, when)
        first = recover(server)
        outcome = assert_consistent(served, submission, before, store)
        seen.append((when, finished, killed_in, outcome, first.strip().splitlines()))
        print("killed at", *seen[-1])
        assert outcome == (expected or outcome) and (not finished or outcome == "confirmed")
        if killed_in.startswith("confirming"):
            assert f"confirmed: {submission}" in first, first
        # recovering again is harmless
        again_state = probe(server, submission)
        again = recover(server)
        assert "recovered: 0 failed, 0 confirmed" in again, again
        assert probe(server, submission) == again_state
        if outcome == "ready":  # the kill came first: the submitter may still cancel it
            csrf = _csrf(client, f"/display_result/{submission}")
            response = client.post("/submit_confirm/", data={
                "results_id": submission, "button": "cancel", "csrfmiddlewaretoken": csrf})
            assert response.status_code == 200, response.text[-2000:]
            assert probe(server, submission)["status"] == "cancelled"
            assert store_listing(server) == store
        client.close()
    assert any(killed_in.startswith("confirming") for _, _, killed_in, _, _ in seen), seen


def test_web_worker_killed_while_it_confirms(served: SubmissionServer, tmp_path: Path) -> None:
    """The gunicorn workers SIGKILLed while one serves a real POST /submit_confirm/, as soon as
    the submission is CONFIRMING: the client gets no page, the master starts new workers, and
    recovery completes the confirmation."""
    import threading

    server = served.server
    submission, client = ready_submission(served, tmp_path / "web", 8)
    before, store = probe(server), store_listing(server)
    csrf = _csrf(client, f"/display_result/{submission}")
    answers: list[Any] = []

    def post() -> None:
        try:
            answers.append(client.post("/submit_confirm/", data={
                "results_id": submission, "button": "confirm", "csrfmiddlewaretoken": csrf}))
        except httpx.HTTPError as exc:
            answers.append(exc)

    assert server.process is not None
    workers = [p for p in children(server.process.pid) if "run_huey" not in cmdline(p)]
    assert len(workers) == 2, [cmdline(p) for p in children(server.process.pid)]
    thread = threading.Thread(target=post)
    thread.start()
    deadline = time.monotonic() + 60
    while database_status(server, submission) == "ready" and time.monotonic() < deadline:
        time.sleep(0.001)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    killed_in = database_status(server, submission)
    thread.join(120)
    print("web worker killed with the submission", killed_in, "; the client got", answers)
    assert killed_in in ("confirming", "confirmed")
    if killed_in == "confirming":
        assert isinstance(answers[0], httpx.HTTPError), answers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the master has started new workers
        try:
            if server.get("/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    report = recover(server)
    assert assert_consistent(served, submission, before, store) == "confirmed", report
    client.close()


# ---- 3. upload faults over HTTP --------------------------------------------------------------


def fits_bytes(size: int) -> bytes:
    head = b"SIMPLE  =                    T / conforms to FITS standard".ljust(80)
    return (head + bytes(range(256)) * (size // 256 + 1))[:size]


def oversize_reference(path: Path) -> Path:
    """A real NIRISS reference made larger than ``MAX_BYTES`` by an extra image HDU."""
    import numpy
    from astropy.io import fits

    with fits.open(SOURCE) as hdus:
        hdus.append(fits.ImageHDU(numpy.zeros((700, 700)), name="PADDING"))
        hdus.writeto(path)
    assert path.stat().st_size > MAX_BYTES
    return path


def test_upload_faults_get_clear_errors(served: SubmissionServer, tmp_path: Path) -> None:
    client = login(served)
    try:
        response = post_upload(client, "big.fits", fits_bytes(MAX_BYTES + 1))
        assert response.status_code == 413, response.text
        assert upload_error(response) == (f"'big.fits' is too large: {MAX_BYTES + 1} bytes, "
                                          f"more than the {MAX_BYTES} bytes allowed per file")

        data = fits_bytes(2_000_000)
        response = post_upload(client, "half.fits", data[:1_000_000],
                               "bytes 0-999999/2000000")
        assert response.status_code == 200, response.text
        assert client.get("/upload/list/").json()["files"] == [
            {"name": "half.fits", "size": 1_000_000, "complete": False,
             "deleteUrl": "/upload/delete/half.fits", "deleteType": "GET"}]
        form = {"pmap_mode": "pmap_edit", "instrument": INSTRUMENT, "change_level": "SEVERE",
                "creator": "Fault Tests", "description": "Half an upload",
                "auto_rename": "True", "compare_old_reference": "True"}
        # the form first says why big.fits is missing, then (posted again) what is unfinished
        for expected in ("refused when uploaded: &#x27;big.fits&#x27; is too large",
                         "the upload of half.fits is not complete"):
            csrf = _csrf(client, "/batch_submit_references/")
            response = client.post("/batch_submit_references/",
                                   data={**form, "csrfmiddlewaretoken": csrf})
            assert response.status_code == 200  # the error div is what crds submit shows
            assert 'id="error_message"' in response.text
            assert expected in response.text, response.text[-2000:]
        assert client.get("/upload/delete/half.fits").status_code == 200

        response = post_upload(client, "text.fits", b"just some text, not FITS\n" * 10)
        assert response.status_code == 400
        assert "'text.fits' is not a FITS file (it does not start with 'SIMPLE  =')" in \
            upload_error(response)

        for name in ("../x.fits", "/etc/x.fits"):
            response = post_upload(client, name, fits_bytes(1000))
            assert response.status_code == 400, (name, response.text)
            assert upload_error(response) == (f"file name '{name}' is a path, not a bare "
                                              "file name"), name
        assert client.get("/upload/list/").json()["files"] == []
        uploads = served.server.home / "uploads"
        assert not (uploads / "x.fits").exists() and not Path("/etc/x.fits").exists()
        assert not any(p.name in ("x.fits", "big.fits", "text.fits") for p in uploads.rglob("*"))
    finally:
        client.get("/logout/")
        client.close()

    # the real crds submit on an oversize file: an ERROR and a failing exit status
    work = tmp_path / "work"
    work.mkdir()
    big = oversize_reference(work / "big_niriss.fits")
    done = run_crds_submit(served.crds_env(tmp_path / "client-cache"), [big], work,
                           "--description", "Too big", "--creator", "Fault Tests", timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-4000:]
    errors = errors_in(output)
    assert errors, output[-4000:]
    # crds 14.0.3 does not look at the 413 of its chunk upload; the batch form then says why
    # the file is missing, in the error div crds shows
    assert any("refused when uploaded: 'big_niriss.fits' is too large" in line
               for line in errors), output[-4000:]


def test_a_worker_killed_while_the_consumer_lives_fails_its_submission(
        served: SubmissionServer, tmp_path: Path) -> None:
    """Only the worker process is killed: Huey starts another, the task is lost, and within
    about a minute the queue's periodic check fails the submission (no restart needed)."""
    server = served.server
    before = probe(server)
    client = login(served)
    try:
        key = start_delivery(client, make_files(tmp_path / "files", 30))
        wait_for(server, key, lambda ms: any("Certifying" in str(m["data"]) for m in ms),
                 timeout=60)
        consumer, *workers = queue_processes(server)
        for pid in workers:  # the worker processes only: the consumer lives on
            os.kill(pid, signal.SIGKILL)
        assert workers and alive(consumer)
        messages = wait_for(server, key, is_done, timeout=150)
        done = [m for m in messages if m["type"] == "done"]
        assert len(done) == 1 and done[0]["data"]["status"] == 1, messages[-5:]
        state = probe(server, result_id(messages))
        assert state["status"] == "fail" and not state["staging"]
        assert "interrupted" in state["errors"][0]
        assert state["records"] == before["records"] and state["edit"] == before["edit"]
    finally:
        client.get("/logout/")
        client.close()


"""Jpoll progress channels (PROTOCOL.md §7.3 steps 6 and 9, §7.5): opening a channel, the
message stream (increasing integer ids, ``done`` last and final), reading it through the web
URL and the JSON-RPC methods, aborting it, and the unmodified crds client reading it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from server_helpers import RpcFailure, clean_env

from opencrds.server.submissions.jpoll import channels
from opencrds.server.submissions.jpoll.channels import ChannelClosed, Progress, UnknownChannel

pytestmark = [pytest.mark.shared_data]

#: What crds accepts as a process key (crds.core.config.PROCESS_KEY_RE).
PROCESS_KEY_RE = re.compile(r"[A-Za-z0-9:.\-]{1,128}")


def stream(key: str) -> Progress:
    """A channel with a typical processing stream written to it."""
    progress = Progress(key)
    progress.log("Certifying 'x.fits'")
    progress.verbose("details & <more>")
    progress.warning("a warning")
    progress.error("an error")
    progress.done(0, "http://127.0.0.1:8000/display_result/1234")
    return progress


# ---- opening ------------------------------------------------------------------------------------


def test_open_channel_answers_a_bare_key_with_or_without_slash(alice: Client,
                                                               users: dict) -> None:
    keys = []
    for path in ("/jpoll/open_channel", "/jpoll/open_channel/"):
        response = alice.get(path)
        assert response.status_code == 200
        key = json.loads(response.content)
        assert isinstance(key, str) and PROCESS_KEY_RE.fullmatch(key)
        assert channels.pull(key) == []
        assert alice.session["jpoll_key"] == key  # where the submission form finds it
        keys.append(key)
    assert keys[0] != keys[1]
    from opencrds.server.submissions.models import JpollChannel

    assert JpollChannel.objects.get(key=keys[0]).user == users["alice"]


def test_open_channel_needs_a_login(users: dict) -> None:
    response = Client().get("/jpoll/open_channel")
    assert response.status_code == 403
    assert "login required" in response.json()["error"]
    assert Client().post("/jpoll/open_channel").status_code in (403, 405)


# ---- the stream ---------------------------------------------------------------------------------


def test_ids_increase_and_done_is_last_and_final(users: dict) -> None:
    key = channels.open_channel(users["alice"])
    progress = stream(key)
    messages = channels.pull(key)
    assert [m["type"] for m in messages] == ["log_message", "verbose", "warning", "error", "done"]
    ids = [m["id"] for m in messages]
    assert all(isinstance(i, int) for i in ids) and ids == sorted(set(ids))
    assert messages[1]["data"] == "details & <more>"
    assert messages[-1]["data"] == {"status": 0,
                                    "result": "http://127.0.0.1:8000/display_result/1234"}
    assert progress.closed
    for push in (lambda: progress.log("late"), lambda: progress.done(1, "")):
        with pytest.raises(ChannelClosed, match=rf"Channel '{key}' is closed"):
            push()
    assert channels.pull(key) == messages
    assert channels.pull(key, ids[2]) == messages[3:]
    assert channels.pull(key, ids[-1]) == []


def test_messages_of_other_channels_do_not_mix(users: dict) -> None:
    first, second = channels.open_channel(), channels.open_channel(users["bob"])
    Progress(first).log("one")
    Progress(second).log("two")
    Progress(first).log("three")
    assert [m["data"] for m in channels.pull(first)] == ["one", "three"]
    assert [m["data"] for m in channels.pull(second)] == ["two"]


def test_pushes_are_checked(users: dict) -> None:
    key = channels.open_channel()
    with pytest.raises(ValueError, match="not one of"):
        channels.push(key, "fail", "x")
    with pytest.raises(ValueError, match="a 'done' message needs"):
        channels.push(key, "done", "finished")
    with pytest.raises(ValueError, match="needs a string"):
        channels.push(key, "log_message", {"a": 1})
    with pytest.raises(UnknownChannel, match="Channel 'nope' not found"):
        Progress("nope").log("x")
    with pytest.raises(UnknownChannel, match="Channel 'nope' not found"):
        channels.pull("nope")
    assert channels.pull(key) == []


def test_abort_ends_the_stream_as_cancelled_once(users: dict) -> None:
    key = channels.open_channel()
    Progress(key).log("working")
    assert channels.abort(key) is True
    assert channels.pull(key)[-1]["data"] == {"status": 3, "result": ""}
    assert channels.abort(key) is False
    with pytest.raises(ChannelClosed):
        Progress(key).done(0, "too late")
    assert [m["type"] for m in channels.pull(key)] == ["log_message", "done"]


# ---- the web URL ----------------------------------------------------------------------------------


def test_pull_messages_url(users: dict) -> None:
    key = channels.open_channel(users["alice"])
    stream(key)
    anyone = Client()  # the key is the capability
    everything = anyone.get(f"/jpoll/pull_messages/{key}/").json()
    assert [m["type"] for m in everything][-1] == "done"
    assert everything[1]["data"] == "details & <more>"  # as written: the page shows text
    since = everything[2]["id"]
    assert anyone.get(f"/jpoll/pull_messages/{key}/?since_id={since}").json() == everything[3:]
    response = anyone.get("/jpoll/pull_messages/nope/")
    assert response.status_code == 404 and response.json() == {
        "error": "Channel 'nope' not found"}
    response = anyone.get(f"/jpoll/pull_messages/{key}/?since_id=x")
    assert response.status_code == 400 and "since_id must be a message id" in \
        response.json()["error"]


# ---- JSON-RPC -------------------------------------------------------------------------------------


def test_jpoll_pull_messages_through_json_rpc(hst_server: Any, users: dict) -> None:
    key = channels.open_channel(users["alice"])
    stream(key)
    messages = hst_server.rpc("jpoll_pull_messages", key, "0")
    assert [m["type"] for m in messages] == ["log_message", "verbose", "warning", "error", "done"]
    assert messages[1]["data"] == "details &amp; &lt;more&gt;"  # crds unescapes it
    assert messages[-1]["data"] == {"status": 0,
                                    "result": "http://127.0.0.1:8000/display_result/1234"}
    since = str(max(int(m["id"]) for m in messages[:3]))  # as crds computes it
    assert hst_server.rpc("jpoll_pull_messages", key, since) == messages[3:]
    assert hst_server.rpc("jpoll_pull_messages", key) == messages  # since_id: null
    assert hst_server.rpc("jpoll_pull_messages", key, messages[-1]["id"]) == []


def test_an_unknown_channel_is_a_named_error(hst_server: Any, users: dict) -> None:
    for method, params in (("jpoll_pull_messages", ["nope", "0"]), ("jpoll_abort", ["nope"])):
        with pytest.raises(RpcFailure) as failure:
            hst_server.rpc(method, *params)
        assert failure.value.error == {"name": "UnknownChannel", "code": 500, "data": None,
                                       "message": "UnknownChannel: Channel 'nope' not found"}
    with pytest.raises(RpcFailure, match="since_id"):
        hst_server.rpc("jpoll_pull_messages", "nope", "seven")
    with pytest.raises(RpcFailure, match="longer than 128"):
        hst_server.rpc("jpoll_pull_messages", "k" * 129, "0")


def test_every_bad_parameter_is_refused_cleanly(hst_server: Any, users: dict) -> None:
    from test_bad_input import BAD_VALUES

    key = json.dumps(channels.open_channel())
    for method, good in (("jpoll_pull_messages", [key, '"0"']), ("jpoll_abort", [key])):
        for position in range(len(good)):
            for label, bad in BAD_VALUES.items():
                params = list(good)
                params[position] = bad
                body = (f'{{"jsonrpc": "1.0", "method": "{method}", "params": '
                        f'[{", ".join(params)}], "id": "1"}}')
                error = hst_server.post(body).json()["error"]
                assert error is not None, (method, label)
                assert error["name"] in ("InvalidParamsError", "ParseError", "UnknownChannel"), (
                    method, position, label, error["message"][:200])


def test_jpoll_abort_through_json_rpc(hst_server: Any, users: dict) -> None:
    key = channels.open_channel()
    assert hst_server.rpc("jpoll_abort", key) is True
    assert hst_server.rpc("jpoll_abort", key) is False
    assert hst_server.rpc("jpoll_pull_messages", key, "0")[-1]["data"] == {
        "status": 3, "result": ""}


# ---- live: concurrent writers, the crds client ----------------------------------------------------


@pytest.mark.slow
def test_concurrent_writers_keep_ids_increasing_and_done_last(live_user: tuple,
                                                             database: str) -> None:
    """Writers in threads of their own (connections of their own): every reader sees ids
    increase, and nothing is taken after ``done``."""
    server, user, _ = live_user
    if server.backend == "sqlite":
        pytest.skip("the in-memory SQLite test database fails at once on a locked table; the "
                    "served SQLite file waits (IMMEDIATE transactions, 30 s busy timeout)")
    key = channels.open_channel(user)
    seen: list[list[int]] = []
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        from django.db import connection

        use_test_database(database)
        try:
            for number in range(15):
                Progress(key).log(f"{tag} {number}")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    def read() -> None:
        from django.db import connection

        use_test_database(database)
        last = 0
        try:
            for _ in range(30):
                got = [m["id"] for m in channels.pull(key, last)]
                seen.append(got)
                last = max(got, default=last)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(tag,)) for tag in "abc"]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    Progress(key).done(1, "")
    with pytest.raises(ChannelClosed):
        Progress(key).log("after")
    ids = [m["id"] for m in channels.pull(key)]
    assert len(ids) == 46 and ids == sorted(set(ids))
    flat = [i for batch in seen for i in batch]
    assert flat == sorted(set(flat))  # no reader ever got an id below one it had seen


def use_test_database(alias: str) -> None:
    """Make this thread's default connection the test database ``alias``."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from inprocess import connection_as_default

    if alias != DEFAULT_DB_ALIAS:
        connections[DEFAULT_DB_ALIAS] = connection_as_default(alias)


CRDS_POLL = """
import json, sys
from crds.client import api
api.set_crds_server(sys.argv[1])
out = {}
try:
    api.jpoll_pull_messages("no-such-channel", "0")
except Exception as exc:
    out["unknown"] = [type(exc).__name__, str(exc)]
messages = api.jpoll_pull_messages(sys.argv[2], "0")
out["messages"] = [[m.id, m.type, m.data] for m in messages]
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.oracle
def test_the_crds_client_reads_a_channel(live_user: tuple, tmp_path: Path) -> None:
    server, user, _ = live_user
    key = channels.open_channel(user)
    stream(key)
    done = subprocess.run([sys.executable, "-c", CRDS_POLL, server.url, key],
                          env=clean_env(CRDS_PATH=str(tmp_path / "cache"),
                                        CRDS_SERVER_URL=server.url),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    name, text = out["unknown"]
    assert "Channel" in text and "not found" in text and "no-such-channel" in text
    types = [m[1] for m in out["messages"]]
    assert types == ["log_message", "verbose", "warning", "error", "done"]
    assert out["messages"][1][2] == "details & <more>"  # unescaped by crds: as written
    assert out["messages"][-1][2] == {"status": 0,
                                      "result": "http://127.0.0.1:8000/display_result/1234"}
    ids = [int(m[0]) for m in out["messages"]]
    assert ids == sorted(set(ids))


PUSH_SCRIPT = """
import sys
from opencrds.server.submissions.jpoll.channels import Progress
progress = Progress(sys.argv[-1])
progress.log("from the worker")
progress.warning("careful & <check>")
progress.done(1, "http://x/display_result/abc")
"""


@pytest.mark.server
@pytest.mark.slow
def test_messages_of_another_process_reach_the_served_workers(served_login: tuple) -> None:
    """The channel opened by a web worker, written by another process (as the queue worker
    does), read by the web workers through JSON-RPC."""
    server, _, session_id = served_login
    import requests

    session = requests.Session()
    session.trust_env = False
    session.cookies.set("sessionid", session_id)
    key = session.get(server.url + "/jpoll/open_channel").json()
    assert PROCESS_KEY_RE.fullmatch(key)
    assert server.rpc("jpoll_pull_messages", key, "0") == []
    server.manage("shell", "-c", PUSH_SCRIPT.replace("sys.argv[-1]", repr(key)))
    messages = server.rpc("jpoll_pull_messages", key, "0")
    assert [(m["type"], m["data"]) for m in messages] == [
        ("log_message", "from the worker"), ("warning", "careful &amp; &lt;check&gt;"),
        ("done", {"status": 1, "result": "http://x/display_result/abc"})]
    assert server.rpc("jpoll_abort", key) is False

"""End to end: ``opencrds serve`` (gunicorn, SQLite, the real HST cache) in a fresh
``OPENCRDS_HOME``; users and tokens made with ``opencrds manage``; the real crds 14.0.3 client's
own login code (``crds.submit.web``) logs in, is refused a locked instrument and logs out; two
users racing for one instrument never both get it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA, Server, clean_env, free_port

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
LOCK_TIMEOUT_SECONDS = 3600


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    home = tmp_path_factory.mktemp("accounts-home")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING",
                    OPENCRDS_LOCK_TIMEOUT=str(LOCK_TIMEOUT_SECONDS))
    served = Server("hst", "sqlite", home, free_port(), env, home / "server.log")
    served.manage("migrate", "--verbosity", "0")
    served.manage("import_cache", str(CRDS_CACHE), "--observatory", "hst")
    served.start()
    yield served
    served.stop()


def _token(server: Server, name: str, *instruments: str) -> str:
    grants = [arg for instrument in instruments for arg in ("--instrument", instrument)]
    server.manage("add_user", name, "--email", f"{name}@example.org", *grants)
    out = server.manage("issue_token", name, "--name", "e2e").stdout
    assert len(out.splitlines()) == 1
    return out.strip()


def _crds_login_steps(server: Server, tmp_path: Path, users: dict[str, list[str]],
                      steps: list[list[str]]) -> list[dict[str, Any]]:
    plan, out = tmp_path / "plan.json", tmp_path / "out.json"
    plan.write_text(json.dumps({"url": server.url, "users": users, "steps": steps}))
    env = server.crds_env(tmp_path / "crds", MAST_API_TOKEN="unused")
    done = subprocess.run([sys.executable, str(HERE / "crds_login_probe.py"), str(plan),
                           str(out)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_the_crds_client_logs_in_with_a_token_locks_and_logs_out(server: Server,
                                                                  tmp_path: Path) -> None:
    alice, bob = _token(server, "alice", "acs"), _token(server, "bob", "acs")
    results = _crds_login_steps(server, tmp_path, {"alice": [alice, "acs"], "bob": [bob, "acs"]}, [
        ["fail_if_existing_lock", "alice"], ["login", "alice"], ["lock_status", "alice"],
        ["login", "bob"], ["lock_status", "bob"], ["logout", "alice"],
        ["lock_status", "alice"], ["login", "bob"], ["lock_status", "bob"], ["logout", "bob"]])
    assert results[0] == {"ok": None}
    assert "ok" in results[1], results[1]
    status = results[2]["ok"]
    assert (status["name"], status["user"], status["status"]) == ("acs", "alice", "ok")
    assert re.fullmatch(r"0:59:5\d|1:00:00", status["time_remaining"])  # the timeout set
    assert results[3]["raised"][0] == "CrdsWebError"
    assert any("Instrument 'acs' is locked by 'alice'" in line for line in results[3]["errors"])
    assert results[4]["ok"]["name"] == ""
    assert results[5] == {"ok": None}
    assert results[6]["ok"] == {**results[6]["ok"], "name": "", "exception": "no lock found."}
    assert "ok" in results[7], results[7]
    assert results[8]["ok"]["name"] == "acs"
    assert results[9] == {"ok": None}


def _login(server: Server, client: httpx.Client, name: str, token: str, instrument: str,
           start: threading.Barrier) -> bool:
    form = client.get(f"{server.url}/login/")
    start.wait()
    response = client.post(f"{server.url}/login/", data={
        "username": name, "password": token, "instrument": instrument, "next": "/",
        "csrfmiddlewaretoken": form.cookies["csrftoken"]}, follow_redirects=True)
    assert response.status_code == 200
    return 'id="error_message"' not in response.text


def test_two_users_racing_for_one_instrument_never_both_get_it(server: Server) -> None:
    keys = {"carol": _token(server, "carol", "cos"), "dave": _token(server, "dave", "cos")}
    for _round in range(4):
        clients = {name: httpx.Client(timeout=60, trust_env=False) for name in keys}
        start = threading.Barrier(len(keys))
        with ThreadPoolExecutor(len(keys)) as pool:
            futures = {name: pool.submit(_login, server, clients[name], name, keys[name], "cos",
                                         start) for name in keys}
        won = {name: future.result(timeout=120) for name, future in futures.items()}
        assert sorted(won.values()) == [False, True], won
        holder = server.get("/lock_status/carol/").json()["name"] and "carol" or "dave"
        assert won[holder]
        for client in clients.values():
            client.get(f"{server.url}/logout/")
            client.close()
        assert server.get(f"/lock_status/{holder}/").json()["name"] == ""
    assert [line for line in server.log_lines() if "ERROR" in line or "Traceback" in line] == []

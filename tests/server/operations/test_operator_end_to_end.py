"""End to end over HTTP: an operator logs in to a real ``opencrds serve`` (JWST, SQLite, a
fresh home), sets the latest context through /set_default_context/ (GET the page, its CSRF
token, POST), and the unmodified crds 14.0.3 client then gets it from get_default_context."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from server_helpers import (
    CRDS_CACHE,
    HAVE_SHARED_DATA,
    Server,
    clean_env,
    free_port,
    run_probe,
)

pytestmark = [pytest.mark.server, pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]

PASSWORD = "operator-" + uuid.uuid4().hex[:8]
OLDER = "jwst_0540.pmap"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own (it changes the latest context), with an operator account."""
    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    home = tmp_path_factory.mktemp("operations-home")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    served = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
    served.manage("migrate", "--verbosity", "0")
    served.manage("import_cache", str(CRDS_CACHE), "--observatory", "jwst")
    served.env = {**env, "OPENCRDS_USER_PASSWORD": PASSWORD}
    served.manage("add_user", "olivia", "--email", "olivia@example.org", "--operator")
    served.env = env
    served.start()
    yield served
    served.stop()


def form_token(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def test_an_operator_sets_latest_and_the_crds_client_sees_it(server: Server,
                                                             tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{server.port}"
    with requests.Session() as session:
        session.trust_env = False
        page = session.get(f"{base}/set_default_context/")
        assert page.url.startswith(f"{base}/login/?next=")  # anonymous: to the login page
        answer = session.post(f"{base}/login/", data={
            "csrfmiddlewaretoken": form_token(page), "username": "olivia",
            "password": PASSWORD, "instrument": "none", "next": "/set_default_context/"})
        assert answer.status_code == 200 and answer.url == f"{base}/set_default_context/"
        assert "jwst_0541.pmap" in answer.text
        refused = session.post(f"{base}/set_default_context/", data={
            "context_type": "latest", "context": OLDER, "reason": "x"})
        assert refused.status_code == 403  # no CSRF token
        answer = session.post(f"{base}/set_default_context/", data={
            "csrfmiddlewaretoken": form_token(answer), "context_type": "latest",
            "context": OLDER, "reason": "Reversion to 0540, end to end."})
        assert answer.status_code == 200
        assert 'id="error_message"' not in answer.text
        assert f"The latest context is now {OLDER}." in answer.text
    assert server.rpc("get_default_context", "jwst", "latest") == OLDER
    out = run_probe({"calls": [["get_default_context", ["jwst"]],
                               ["get_context_history", ["jwst"]]]},  # oldest first
                    server.crds_env(tmp_path / "crds"), tmp_path / "probe")
    assert out["calls"][0] == {"ok": OLDER}
    assert out["calls"][1]["ok"][-1][1:] == [OLDER, "Reversion to 0540, end to end."]

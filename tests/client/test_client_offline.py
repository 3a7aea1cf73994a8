"""Client pieces that need no server: envelope decoding, specifiers, modes (offline)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA

from opencrds.client import modes, rpc, specifiers
from opencrds.client.serverinfo import fetch_server_info
from opencrds.protocol import crds_decode, crds_encode
from opencrds.rules.errors import CrdsError


def _transport(answers: list) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert request.url.path == f"/json/{body['method']}/{body['id']}/"
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return httpx.Response(answer)
        return httpx.Response(200, content=json.dumps(answer).encode())
    return httpx.MockTransport(handler)


def test_encode_decode_round_trip() -> None:
    value = {"a.fits": {"size": "3", "sha1sum": "x"}}
    assert crds_decode(crds_encode(value)) == value
    assert crds_decode([1]) == [1]


def test_rpc_result_and_errors() -> None:
    answers: list = [
        {"error": None, "result": crds_encode([1, 2])},
        {"error": {"message": "OtherError: bad &amp; worse"}, "result": None},
        {"error": {"message": "Channel 'x' not found"}},
        {"result": 1},
        500,
    ]
    client = rpc.RpcClient("http://server/", transport=_transport(answers), retries=1)
    assert client.get_mapping_names("x") == [1, 2]
    with pytest.raises(rpc.ServiceError, match="OtherError: bad & worse"):
        client.call("m")
    with pytest.raises(rpc.StatusChannelNotFoundError):
        client.call("m")
    with pytest.raises(rpc.ServiceError, match="malformed"):
        client.call("m")
    with pytest.raises(rpc.ServiceError, match="500"):
        client.call("m")


def test_rpc_retries_transport_failures_only() -> None:
    answers: list = [httpx.ConnectError("down"), {"error": None, "result": 7}]
    client = rpc.RpcClient("http://server", transport=_transport(answers), retries=2, delay=0)
    assert client.call("m") == 7


def test_serverless_short_circuit() -> None:
    with pytest.raises(rpc.ServiceError, match="server-less mode"):
        rpc.RpcClient("https://crds-serverless-mode.stsci.edu").call("get_server_info")


@pytest.fixture
def offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not HAVE_SHARED_DATA:
        pytest.skip("shared CRDS data not found")
    cache = tmp_path / "cache"
    for source in (CRDS_CACHE / "config").rglob("*"):  # writable copies of read-only data
        if source.is_file():
            target = cache / source.relative_to(CRDS_CACHE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for name in ("CRDS_SERVER_URL", "CRDS_CONTEXT", "CRDS_MODE", "CRDS_READONLY_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRDS_PATH", str(cache))
    monkeypatch.setenv("CRDS_SERVER_URL", "https://jwst-serverless-mode.stsci.edu")
    return cache


def test_offline_specifiers(offline_cache: Path) -> None:
    info = fetch_server_info("jwst")
    assert info.connected is False
    got = sorted(specifiers.resolve(s, info) for s in
                 ("jwst-edit", "jwst-operational", "jwst-latest", "jwst-versions", "latest"))
    assert got == ["jwst_0526.pmap"] + ["jwst_0541.pmap"] * 4
    assert specifiers.resolve("crds://jwst_0001.pmap", info) == "jwst_0001.pmap"
    roman = fetch_server_info("roman")
    assert specifiers.resolve("roman-edit", roman) == "roman_0005.pmap"
    with pytest.raises(specifiers.ContextSpecError, match="not reachable"):
        specifiers.resolve("jwst-2018-01-21T12:32:05", info)
    with pytest.raises(specifiers.ContextSpecError, match="required but got"):
        specifiers.resolve("jwst-foo", info)


def test_specifier_syntax() -> None:
    ok = ["hst-2018-01-21T12:32:05", "2019-01-01", "jwst-miri-flat-edit", "build",
          "jwst-niriss-superbias-2016-01-01T00:00:00.5", "jwst-all-pars-tweakreg-edit"]
    assert all(specifiers.is_specifier(s) for s in ok)
    assert not any(specifiers.is_specifier(s) for s in ("hst-foo", "x-edit", "2019-1-1"))


def test_default_context_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_CONTEXT", raising=False)
    assert specifiers.default_context_spec("hst") == "hst-latest"
    monkeypatch.setenv("CRDS_CONTEXT", "jwst-miri-edit")
    with pytest.raises(specifiers.ContextSpecError):
        specifiers.default_context_spec("jwst")


def test_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS_MODE", raising=False)
    assert modes.effective_mode({"connected": True, "force_remote_mode": 1}) == "remote"
    assert modes.effective_mode({"connected": False, "force_remote_mode": 1}) == "local"
    assert modes.effective_mode({"connected": True, "force_remote_mode": 0}) == "local"
    with pytest.raises(CrdsError):
        modes.effective_mode({"connected": False}, "remote")
    with pytest.raises(CrdsError):
        modes.effective_mode({}, "bogus")

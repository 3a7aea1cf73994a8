"""Malformed requests get clear JSON-RPC or HTTP errors: never a traceback page, never a file
from outside the store."""

from __future__ import annotations

import http.client
import json

import httpx
import pytest

pytestmark = [pytest.mark.server, pytest.mark.shared_data]

SECRET_MARKERS = ("Traceback", "django", "SECRET", "/work/", "root:", "SQLite format")


def rpc_error(response) -> dict:  # noqa: ANN001
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"error", "result", "id", "jsonrpc"}
    assert body["result"] is None and body["error"]
    assert body["error"]["message"].startswith(body["error"]["name"] + ": ")
    return body["error"]


@pytest.mark.parametrize("body", [
    b"", b"{", b"not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b"null",
    b"[" * 100000 + b"]" * 100000,
])
def test_malformed_json(hst_server, body: bytes) -> None:
    error = rpc_error(hst_server.post(body))
    assert error["name"] in ("ParseError", "InvalidRequestError")


@pytest.mark.parametrize("request_", [
    {"method": 1, "params": []},
    {"params": []},
    {"method": "get_default_context", "params": "hst"},
    {"method": "get_default_context", "params": 5},
])
def test_invalid_requests(hst_server, request_: dict) -> None:
    assert rpc_error(hst_server.post(json.dumps(request_)))["name"] == "InvalidRequestError"


@pytest.mark.parametrize("method", ["no_such_method", "__init__", "handle", "set_request",
                                    "get_server_info.__globals__", ""])
def test_unknown_methods(hst_server, method: str) -> None:
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": [], "id": 7})
    error = rpc_error(hst_server.post(body))
    assert error["name"] == "MethodNotFoundError"
    assert hst_server.post(body).json()["id"] == 7


@pytest.mark.parametrize(("method", "params"), [
    ("get_best_references", ["hst_0729.pmap", "not a dict", None]),
    ("get_best_references", ["hst_0729.pmap", {"INSTRUME": "ACS"}, "darkfile"]),
    ("get_best_references", ["hst_0729.pmap", {"INSTRUME": "ACS"}, [1, 2]]),
    ("get_best_references", [["hst_0729.pmap"], {}, None]),
    ("get_mapping_names", [42]),
    ("get_mapping_names", []),
    ("get_mapping_names", ["hst_0729.pmap", "extra"]),
    ("get_file_info_map", ["hst", "a.fits", None]),
    ("get_default_context", [{"a": 1}]),
    ("get_best_references_by_header_map", ["hst_0729.pmap", {"id": "x"}, None]),
    ("get_mapping_names", {"wrong_name": "hst_0729.pmap"}),
])
def test_wrong_parameters(hst_server, method: str, params: list) -> None:
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": params, "id": "p"})
    assert rpc_error(hst_server.post(body))["name"] == "InvalidParamsError"


@pytest.mark.parametrize(("method", "params"), [
    ("get_mapping_names", ["../../etc/passwd"]),
    ("get_mapping_names", ["/etc/passwd.pmap"]),
    ("get_mapping_names", ["..%2F..%2Fdb.pmap"]),
    ("get_mapping_names", ["hst_0729.pmap\x00.rmap"]),
    ("get_best_references", ["hst_acs_0421.imap", {"INSTRUME": "ACS"}, None]),
    ("get_best_references", ["hst_0729.pmap", {"INSTRUME": "NOSUCH"}, None]),
    ("get_best_references", ["hst_0729.pmap", {}, None]),
    ("get_file_info", [None, "../db.sqlite3"]),
    ("get_context_by_date", ["hst-9999-99-99T99:99:99", "hst"]),
])
def test_application_errors_are_clean(hst_server, method: str, params: list) -> None:
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": params, "id": "p"})
    error = rpc_error(hst_server.post(body))
    assert not any(marker in error["message"] for marker in SECRET_MARKERS), error


def post_once(server, body) -> httpx.Response:  # noqa: ANN001
    """POST on a connection of its own: the server closes it after refusing a huge body."""
    with httpx.Client(timeout=120, trust_env=False) as client:
        return client.post(f"http://127.0.0.1:{server.port}/json/", content=body)


def test_huge_body_is_refused(hst_server) -> None:
    body = b'{"method": "get_server_info", "params": ["' + b"x" * (17 * 1024 * 1024) + b'"]}'
    response = post_once(hst_server, body)
    assert response.status_code == 413
    assert response.json()["error"]["name"] == "InvalidRequestError"


def test_chunked_huge_body_is_refused(hst_server) -> None:
    def chunks():
        yield b'{"method": "get_server_info", "params": ["'
        for _ in range(18):
            yield b"x" * (1024 * 1024)
        yield b'"]}'

    response = post_once(hst_server, chunks())
    assert response.status_code == 413


def test_get_on_json_is_not_a_page(hst_server) -> None:
    response = hst_server.get("/json/")
    assert response.status_code == 405
    assert response.json()["error"]["name"] == "InvalidRequestError"
    for path in ("/json", "/json/get_server_info/some-id/"):
        answer = hst_server.post('{"method": "get_default_context", "params": ["hst"]}', path=path)
        assert answer.status_code == 200 and answer.json()["result"] == "hst_0729.pmap"


def raw_get(server, path: str) -> tuple[int, bytes]:  # noqa: ANN001
    """GET ``path`` exactly as written (no client-side normalisation of ``..``)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", [
    "/unchecked_get/mappings/hst/../../../../../../etc/passwd",
    "/unchecked_get/mappings/hst/../hst/hst_0729.pmap",
    "/unchecked_get/references/hst/..%2F..%2F..%2Fdb.sqlite3",
    "/unchecked_get/references/hst/%2Fetc%2Fpasswd",
    "/unchecked_get/references/hst//etc/passwd",
    "/unchecked_get/references/hst/%2e%2e/%2e%2e/db.sqlite3",
    "/unchecked_get/references/..%2F..%2F/secret_key",
    "/unchecked_get/references/hst/z1q2219el_2zx.fits%00.txt",
    "/unchecked_get/references/hst/z1q2219el_2zx.fits%00",
    "/unchecked_get/config/hst/..%2F..%2Fsecret_key",
    "/unchecked_get/config/hst/.",
    "/unchecked_get/config/hst/",
    "/unchecked_get/mappings/%2e%2e/hst_0729.pmap",
    "/unchecked_get/mappings/hst/.hidden",
    "/unchecked_get/mappings/hst/hst_0729.pmap/",
    "/unchecked_get/mappings/hst/%ff%fe",
    "/static/../../settings.py",
    "/static/%2e%2e/%2e%2e/secret_key",
])
def test_path_traversal(hst_server, path: str) -> None:
    status, body = raw_get(hst_server, path)
    assert status in (400, 404), (status, body[:200])
    assert not any(marker.encode() in body for marker in SECRET_MARKERS), body[:500]


def test_unknown_pages_are_not_debug_pages(hst_server) -> None:
    response = hst_server.get("/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.text and "URLconf" not in response.text

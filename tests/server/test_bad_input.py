"""Malformed requests get clear JSON-RPC or HTTP errors: never a traceback page, never a file
from outside the store."""

from __future__ import annotations

import fnmatch
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import Server, clean_env, free_port

pytestmark = [pytest.mark.shared_data]

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
    with server.new_client() as client:
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
    return server.raw_get(path)


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


# ---- issue #11: bounded work, clean errors and one log line for every bad input ----------


class LogWatch:
    """The lines a server logs from now on."""

    def __init__(self, server) -> None:  # noqa: ANN001
        self.server = server
        self.start = len(server.log_lines())

    def new_lines(self) -> list[str]:
        return self.server.log_lines()[self.start:]

    def assert_one_line_each(self, markers: list[str]) -> None:
        """Exactly one line names each marker, and nothing logged a traceback."""
        lines = self.new_lines()
        assert not [line for line in lines if "Traceback" in line], lines
        for marker in markers:
            found = [line for line in lines if marker in line]
            assert len(found) == 1, (marker, found)


def marker() -> str:
    return f"probe-{uuid.uuid4().hex[:12]}"


def rpc_post(server, method: str, params, request_id: str) -> httpx.Response:  # noqa: ANN001
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": params, "id": request_id})
    return server.post(body, path=f"/json/{request_id}/")


def server_rss(server) -> int:  # noqa: ANN001
    """Resident bytes of every process of ``server`` (the gunicorn master and workers)."""
    needle = f"\0--port\0{server.port}\0".encode()
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle not in (proc / "cmdline").read_bytes() + b"\0":
                continue
            status = (proc / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    assert total, f"no process of the server on port {server.port}"
    return total


@pytest.mark.parametrize("method", ["list_references", "list_mappings"])
def test_huge_and_complex_glob_patterns_are_refused(hst_server, method: str) -> None:
    watch, ids = LogWatch(hst_server), []
    for pattern in ("*" + "x" * (1 << 20), "hst_" + "*a" * 17, "[" * 300):
        ids.append(marker())
        error = rpc_error(rpc_post(hst_server, method, ["hst", pattern], ids[-1]))
        assert error["name"] == "InvalidParamsError"
        assert error["message"].startswith(
            f"InvalidParamsError: {method}: parameter 'glob_pattern' ")
        assert len(error["message"]) < 200
    watch.assert_one_line_each(ids)
    cos = hst_server.rpc(method, "hst", "*_cos_*" if method == "list_mappings" else "*_d*.fits")
    assert cos and all(fnmatch.fnmatchcase(name, "*_cos_*" if method == "list_mappings"
                                           else "*_d*.fits") for name in cos)


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A ``serve --demo`` server no other test uses, so its memory is this module's alone."""
    home = tmp_path_factory.mktemp("quiet-home")
    env = clean_env(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    server = Server("jwst", "sqlite", home, free_port(), env, home / "server.log")
    server.start_command = ["--demo"]
    server.start()
    yield server
    server.stop()


@pytest.mark.server
def test_huge_glob_patterns_leave_no_memory_behind(own_server: Server) -> None:
    """24 calls with different 1 MB patterns: the workers do not keep what they compiled
    (fnmatch's cache kept ~320 MB of compiled patterns alive)."""
    def call(index: int) -> None:
        pattern = f"{index:04d}*" + "x" * (1 << 20)
        answer = rpc_post(own_server, ("list_references", "list_mappings")[index % 2],
                          ["jwst", pattern], f"mem-{index}")
        assert answer.status_code == 200

    for index in range(16):  # warm every worker's code paths and buffers
        call(index)
    before = server_rss(own_server)
    for index in range(16, 40):
        call(index)
    grown = server_rss(own_server) - before
    # the fnmatch cache grew ~310 MB over 24 calls; buffers of a busy machine move ~100 MB
    assert grown < 160 * 1024 * 1024, f"server processes grew by {grown >> 20} MB"


def test_bundle_duplicates_are_refused(hst_server) -> None:
    watch, probe = LogWatch(hst_server), marker()
    body = json.dumps({"names": ["hst_0729.pmap"] * 5000}).encode()
    with hst_server.new_client() as client, client.stream(
            "POST", f"http://127.0.0.1:{hst_server.port}/unchecked_bundle/hst/?{probe}",
            content=body) as response:
        assert response.status_code == 400
        text = b"".join(response.iter_bytes(1 << 16))[:4096].decode()
    assert text == ("BadRequest: 'hst_0729.pmap' is named more than once: name each file "
                    "once.\n")
    watch.assert_one_line_each([probe])


@pytest.mark.parametrize(("body", "status", "message"), [
    (json.dumps({"names": [f"hst_{n:04d}.pmap" for n in range(5001)]}).encode(), 400,
     "at most 5000 names in one bundle, got 5001"),
    (b'{"names": ' + b"[" * 1000 + b"]" * 1000 + b"}", 400, "nested too deep"),
    (b'{"names": [' + b"[" * 20 + b"]" * 20 + b"]}", 400, 'the body must be {"names"'),
    (json.dumps({"names": ["a" * (3 << 20)]}).encode(), 413, "at most 2097152 bytes"),
    (b'{"names": ["\xff\xfe"]}', 400, "not valid JSON"),
    (b'{"names": ["hst_0729.pmap\\u0000"]}', 400, "NUL character"),
    (b'{"names": ["\\ud800"]}', 400, "lone surrogate"),
    (b'{"names": NaN}', 400, "not valid JSON"),
    (b"", 400, "not valid JSON"),
])
def test_bad_bundle_requests(hst_server, body: bytes, status: int, message: str) -> None:
    watch, probe = LogWatch(hst_server), marker()
    response = post_once_to(hst_server, f"/unchecked_bundle/hst/?{probe}", body)
    assert response.status_code == status, response.text[:300]
    assert response.text.startswith("BadRequest: ") and message in response.text
    assert len(response.text) < 400
    watch.assert_one_line_each([probe])


def post_once_to(server, path: str, body: bytes) -> httpx.Response:  # noqa: ANN001
    with server.new_client() as client:
        return client.post(f"http://127.0.0.1:{server.port}{path}", content=body)


@pytest.mark.parametrize(("header", "status", "content_range"), [
    ("bytes=" + "9" * 5000 + "-", 416, "bytes */{size}"),
    ("bytes=" + "0" * 3000 + "1-" + "0" * 3000 + "9", 206, "bytes 1-9/{size}"),
    ("bytes=0-" + "9" * 5000, 206, "bytes 0-{last}/{size}"),
    ("bytes=-" + "9" * 5000, 206, "bytes 0-{last}/{size}"),
    ("bytes=" + "9" * 4000 + "-" + "9" * 4001, 416, "bytes */{size}"),  # gunicorn: < 8 KB
])
def test_huge_range_positions(hst_server, header: str, status: int, content_range: str) -> None:
    watch, probe = LogWatch(hst_server), marker()
    path = f"/unchecked_get/mappings/hst/hst_0729.pmap?{probe}"
    size = len(hst_server.get("/unchecked_get/mappings/hst/hst_0729.pmap").content)
    response = hst_server.get(path, headers={"Range": header})
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Range"] == content_range.format(size=size, last=size - 1)
    if status == 416:
        assert response.text == f"RangeNotSatisfiable: file has {size} bytes\n"
        watch.assert_one_line_each([probe])


def test_huge_build_context_version(hst_server) -> None:
    watch, probe = LogWatch(hst_server), marker()
    error = rpc_error(rpc_post(hst_server, "get_build_context", ["hst", "1." + "9" * 5000],
                               probe))
    assert error["name"] == "InvalidParamsError"
    assert error["message"] == ("InvalidParamsError: get_build_context: parameter 'calver' is "
                                "longer than 64 characters (5002)")
    watch.assert_one_line_each([probe])


#: Every JSON-RPC method and how many parameters it takes.
ARITY = {
    "get_server_info": 0, "get_default_context": 2, "get_build_context": 2,
    "get_context_by_date": 2, "get_context_history": 1, "get_mapping_names": 1,
    "get_reference_names": 1, "get_required_parkeys": 1, "get_best_references": 3,
    "get_best_references_by_header_map": 3, "get_file_info": 2, "get_file_info_map": 3,
    "list_mappings": 2, "list_references": 2, "get_sqlite_db": 1, "push_remote_context": 4,
    "get_remote_context": 2, "get_dataset_ids": 3, "get_dataset_headers_by_id": 3,
}
#: Values no parameter of any method accepts, as JSON text.
BAD_VALUES = {
    "deep list": "[" * 900 + "]" * 900,
    "deep object": '{"a": ' * 900 + "1" + "}" * 900,
    "deep in a header": '{"INSTRUME": ' + "[" * 100 + "]" * 100 + "}",
    "huge integer": "9" * 4000,
    "huge negative integer": "-" + "9" * 4000,
    "integer too long to parse": "9" * 5000,
    "infinite float": "1e999",
    "NaN": "NaN",
    "NUL": '"hst_0729.pmap\\u0000"',
    "NUL key": '{"INSTRUME\\u0000": "ACS"}',
    "lone surrogate": '"\\udc80.pmap"',
    "long string": '"' + "a" * (70 * 1024) + '"',
    "long name": '"' + "a" * 300 + '.pmap"',
    "wrong type": "3.5",
    "object": '{"a": {"b": 1}}',
    "list of numbers": "[1, 2]",
}
GOOD_VALUES = {"observatory": '"hst"', "context": '"hst_0729.pmap"'}


def test_every_method_refuses_every_bad_value_cleanly(hst_server) -> None:
    """Each bad value in each parameter of each method: an RPC error, never an internal
    error, and one log line (no traceback) per request."""
    watch, ids = LogWatch(hst_server), []
    for method, arity in ARITY.items():
        for position in range(max(arity, 1)):
            for label, bad in BAD_VALUES.items():
                params = ['"hst_0729.pmap"'] * arity
                if arity:
                    params[position] = bad
                else:
                    params = [bad]
                ids.append(marker())
                body = (f'{{"jsonrpc": "1.0", "method": "{method}", "params": '
                        f'[{", ".join(params)}], "id": "{ids[-1]}"}}')
                response = hst_server.post(body, path=f"/json/{ids[-1]}/")
                error = rpc_error(response)
                where = (method, position, label, error["message"][:300])
                assert "internal server error" not in error["message"], where
                assert len(response.content) < 1000, where
                if label not in ("object", "list of numbers", "wrong type", "long name") or (
                        arity == 0):
                    assert error["name"] in ("InvalidParamsError", "ParseError"), where
    watch.assert_one_line_each(ids)


@pytest.mark.parametrize(("body", "name"), [
    (b"\xff\xfe{}", "ParseError"),
    (b'{"method": "get_default_context", "params": ["hst", "\xc3"]}', "ParseError"),
    (b'{"method": "' + b"m" * 100000 + b'", "params": []}', "MethodNotFoundError"),
    (b'{"method": "get_default_context", "params": [], "id": "' + b"i" * 100000 + b'"}',
     None),
    (b"[" * 100000 + b"]" * 100000, "ParseError"),
])
def test_odd_envelopes_log_one_line(hst_server, body: bytes, name: str | None) -> None:
    watch, probe = LogWatch(hst_server), marker()
    response = hst_server.post(body, path=f"/json/{probe}/")
    assert response.status_code == 200 and len(response.content) < 1000
    answer = response.json()
    if name is None:  # a valid call with an id too long to echo
        assert answer["error"] is None and answer["id"] is None
        return
    assert answer["error"]["name"] == name
    watch.assert_one_line_each([probe])


def test_django_refusals_log_one_line(hst_server) -> None:
    """Requests Django itself refuses (a foreign Host, a static path out of its folder, an
    unknown page) get a 4xx and one line each, never a traceback."""
    watch, probes = LogWatch(hst_server), [marker() for _ in range(3)]
    host = hst_server.get("/health", headers={"Host": f"{probes[0]}.example.org"})
    static = hst_server.get(f"/static/%2e%2e/%2e%2e/{probes[1]}")
    page = hst_server.get(f"/no/such/{probes[2]}")
    assert (host.status_code, static.status_code, page.status_code) == (400, 400, 404)
    for response in (host, static, page):
        assert not any(m in response.text for m in SECRET_MARKERS), response.text[:300]
    watch.assert_one_line_each(probes)

"""The JSON-RPC 1.0 envelope (PROTOCOL.md §1.2, §1.4): what the server writes, the client
reads back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.protocol import ProtocolError, crds_encode
from opencrds.protocol.envelope import (
    MAX_ID,
    RpcFault,
    error_object,
    error_response,
    json_id,
    parse_response,
    request_body,
    result_response,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20)


def test_request_body() -> None:
    body = json.loads(request_body("get_best_references", ("hst.pmap", {"A": "1"}), "id-1"))
    assert body == {"jsonrpc": "1.0", "method": "get_best_references",
                    "params": ["hst.pmap", {"A": "1"}], "id": "id-1"}


@given(JSON, st.one_of(st.none(), st.text(max_size=20), st.integers()))
def test_result_round_trip(result: object, request_id: object) -> None:
    text = result_response(request_id, json.dumps(result))
    answer = json.loads(text)
    assert list(answer) == ["jsonrpc", "id", "error", "result"]
    assert answer["id"] == request_id and answer["error"] is None
    assert parse_response(text.encode()) == result


def test_encoded_result_is_expanded() -> None:
    text = result_response(1, json.dumps(crds_encode({"big": list(range(10))})))
    assert parse_response(text.encode()) == {"big": list(range(10))}


@given(st.text(), st.text(min_size=1, max_size=20), st.integers())
def test_error_round_trip(message: str, name: str, code: int) -> None:
    error = error_object(name, code, message)
    assert error == {"name": name, "code": code, "data": None, "message": f"{name}: {message}"}
    text = error_response("x", error)
    assert json.loads(text) == {"jsonrpc": "1.0", "id": "x", "error": error, "result": None}
    fault = parse_response(text.encode())
    assert isinstance(fault, RpcFault) and fault.name == name
    assert fault.message.startswith(f"{name}: ") or "&" in name


def test_fault_message_is_html_unescaped() -> None:
    fault = parse_response(b'{"error": {"message": "OtherError: bad &amp; worse"}}')
    assert fault == RpcFault(None, "OtherError: bad & worse")
    assert parse_response(b'{"error": "just text", "result": null}') == RpcFault(None, "just text")


def test_falsy_error_reads_result() -> None:
    for error in ("null", "{}", '""', "0", "false"):
        assert parse_response(f'{{"error": {error}, "result": [1]}}'.encode()) == [1]


@pytest.mark.parametrize("body, message", [
    (b"<html>", "invalid response"),
    (b"\xff\xfe", "invalid response"),
    (b"[1, 2]", "malformed response envelope"),
    (b'{"result": 1}', "malformed response envelope"),
    (b'{"error": null}', "response has no result"),
])
def test_malformed_responses(body: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_response(body)


def test_json_id() -> None:
    assert json_id("abc") == '"abc"' and json_id(7) == "7" and json_id(1.5) == "1.5"
    for bad in (None, True, [1], {"a": 1}, float("nan"), "x" * (MAX_ID + 1)):
        assert json_id(bad) == "null"
    assert json.loads(error_response([1], error_object("E", 1, "m")))["id"] is None

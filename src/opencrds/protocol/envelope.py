"""The JSON-RPC 1.0 envelope as CRDS speaks it (PROTOCOL.md §1.2, §1.4).

A request is ``{"jsonrpc": "1.0", "method", "params", "id"}``; a response
``{"jsonrpc": "1.0", "id", "error", "result"}`` where a truthy ``error`` is an object
``{"name", "code", "data", "message"}`` whose message reads ``<Name>: <text>``, and ``result``
may be ``crds_encoded`` (:mod:`.payloads`).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError
from .payloads import crds_decode

JSONRPC_VERSION = "1.0"
#: Longest request id echoed back (a longer one is answered as null).
MAX_ID = 256


# ---- the client's side ----------------------------------------------------------------------

def request_body(method: str, params: list[Any] | tuple[Any, ...], request_id: str) -> bytes:
    """The UTF-8 JSON body of one call."""
    return json.dumps({"jsonrpc": JSONRPC_VERSION, "method": method, "params": list(params),
                       "id": request_id}).encode("utf-8")


@dataclass(frozen=True)
class RpcFault:
    """The error object of a failed call: its wire name (``None`` when the server sent none)
    and its message, HTML-unescaped, as the crds client reads it."""

    name: str | None
    message: str


def parse_response(content: bytes) -> Any:
    """The decoded ``result`` of a response body, or the :class:`RpcFault` its ``error`` holds.

    ProtocolError when the body is not JSON, not an object with ``error``, or has neither a
    truthy error nor a ``result``.
    """
    try:
        answer = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"invalid response: {exc}") from None
    if not isinstance(answer, dict) or "error" not in answer:
        raise ProtocolError("malformed response envelope")
    error = answer["error"]
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        name = error.get("name") if isinstance(error, dict) else None
        return RpcFault(name if isinstance(name, str) else None, html.unescape(str(message)))
    if "result" not in answer:
        raise ProtocolError("response has no result")
    return crds_decode(answer["result"])


# ---- the server's side ----------------------------------------------------------------------

def error_object(name: str, code: int, message: str) -> dict[str, Any]:
    """``{"name", "code", "data", "message": "<name>: <message>"}``."""
    return {"name": name, "code": code, "data": None, "message": f"{name}: {message}"}


def json_id(request_id: Any) -> str:
    """The request id as JSON; ids that are not scalars, or are too long, are answered as
    null."""
    if isinstance(request_id, bool) or not isinstance(request_id, (str, int, float)):
        return "null"
    if isinstance(request_id, str) and len(request_id) > MAX_ID:
        return "null"
    try:
        return json.dumps(request_id, allow_nan=False)
    except ValueError:
        return "null"


def result_response(request_id: Any, result_json: str) -> str:
    """The response text of a successful call whose result is already JSON text."""
    return (f'{{"jsonrpc": "{JSONRPC_VERSION}", "id": {json_id(request_id)}, "error": null, '
            f'"result": {result_json}}}')


def error_response(request_id: Any, error: dict[str, Any]) -> str:
    """The response text of a failed call (``error`` from :func:`error_object`)."""
    return json.dumps({"jsonrpc": JSONRPC_VERSION, "id": json.loads(json_id(request_id)),
                       "error": error, "result": None})

"""JSON-RPC 1.0 as the CRDS client speaks it (PROTOCOL.md §1, §5): method registry with
parameter checking, error objects, ``crds_encoded`` payloads and request handling."""

from __future__ import annotations

import base64
import gzip
import inspect
import json
import logging
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

log = logging.getLogger("opencrds.server.rpc")

#: Results whose JSON is larger than this are sent ``crds_encoded`` (gzip + base64).
ENCODE_THRESHOLD = 256 * 1024


class RpcError(Exception):
    """An error returned to the client as a JSON-RPC error object (HTTP 200)."""

    name = "OtherError"
    code = 500

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        if name:
            self.name = name

    def as_error(self) -> dict[str, Any]:
        return {"name": self.name, "code": self.code, "data": None,
                "message": f"{self.name}: {self.args[0]}"}


class ParseError(RpcError):
    name, code = "ParseError", -32700


class InvalidRequest(RpcError):
    name, code = "InvalidRequestError", -32600


class MethodNotFound(RpcError):
    name, code = "MethodNotFoundError", -32601


class InvalidParams(RpcError):
    name, code = "InvalidParamsError", -32602


class UnknownFile(RpcError):
    name = "UnknownFile"


class UnavailableFile(RpcError):
    name = "UnavailableFile"


class InvalidObservatory(RpcError):
    name = "InvalidObservatory"


class UnknownContext(RpcError):
    name = "UnknownContext"


def crds_encode(obj: Any) -> dict[str, str]:
    """``{"crds_encoded": "1.0", "crds_payload": base64(gzip(json))}`` (PROTOCOL.md §5)."""
    raw = json.dumps(obj).encode("utf-8")
    payload = base64.b64encode(gzip.compress(raw, compresslevel=6)).decode("ascii")
    return {"crds_encoded": "1.0", "crds_payload": payload}


# ---- method registry ------------------------------------------------------------------------


def _accepts(value: Any, annotation: Any) -> bool:
    """Does a JSON value fit a (simple) type annotation?"""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_accepts(value, option) for option in get_args(annotation))
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        return isinstance(value, list) and all(_accepts(v, item) for v in value)
    if origin is dict:
        key, item = get_args(annotation) or (Any, Any)
        return isinstance(value, dict) and all(
            _accepts(k, key) and _accepts(v, item) for k, v in value.items())
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if get_origin(annotation) is None else None
    return text or str(annotation).replace("typing.", "")


@dataclass(frozen=True)
class Method:
    """A callable JSON-RPC method with the annotations its parameters are checked against."""

    name: str
    function: Callable[..., Any]
    signature: inspect.Signature
    hints: dict[str, Any]

    def call(self, params: Any) -> Any:
        try:
            if isinstance(params, dict):
                bound = self.signature.bind(**params)
            else:
                bound = self.signature.bind(*params)
        except TypeError as exc:
            raise InvalidParams(f"{self.name}{self.signature}: {exc}") from None
        for pname, value in bound.arguments.items():
            hint = self.hints.get(pname, Any)
            if not _accepts(value, hint):
                raise InvalidParams(
                    f"{self.name}: parameter '{pname}' must be {_type_name(hint)}, "
                    f"got {type(value).__name__}")
        return self.function(*bound.args, **bound.kwargs)


METHODS: dict[str, Method] = {}


def rpc_method(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``function`` as the JSON-RPC method of the same name."""
    hints = get_type_hints(function)
    hints.pop("return", None)
    METHODS[function.__name__] = Method(
        function.__name__, function, inspect.signature(function), hints)
    return function


# ---- requests -------------------------------------------------------------------------------


def _parse(body: bytes) -> tuple[Any, str, Any]:
    """(id, method, params) of a request body, or raise a protocol RpcError."""
    try:
        request = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ParseError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(request, dict):
        raise InvalidRequest("request must be a JSON object with 'method' and 'params'")
    method = request.get("method")
    if not isinstance(method, str):
        raise InvalidRequest("request 'method' must be a string")
    params = request.get("params", [])
    if params is None:
        params = []
    if not isinstance(params, (list, dict)):
        raise InvalidRequest("request 'params' must be an array (or an object)")
    return request.get("id"), method, params


def handle(body: bytes) -> str:
    """The JSON response text for one request body (never raises)."""
    request_id: Any = None
    try:
        request_id, name, params = _parse(body)
        method = METHODS.get(name)
        if method is None:
            raise MethodNotFound(f"method '{name}' is not supported")
        result = method.call(params)
        text = json.dumps(result)
        if len(text) > ENCODE_THRESHOLD:
            text = json.dumps(crds_encode(result))
        return f'{{"jsonrpc": "1.0", "id": {_json_id(request_id)}, "error": null, "result": {text}}}'
    except RpcError as exc:
        error = exc.as_error()
    except Exception as exc:  # a bug: log it, answer without details
        log.exception("JSON-RPC method failed")
        error = RpcError(f"internal server error ({type(exc).__name__}); see the server log"
                         ).as_error()
    return json.dumps({"jsonrpc": "1.0", "id": json.loads(_json_id(request_id)),
                       "error": error, "result": None})


def _json_id(request_id: Any) -> str:
    """The request id as JSON; ids that are not scalars are answered as null."""
    if isinstance(request_id, bool) or not isinstance(request_id, (str, int, float)):
        return "null"
    try:
        return json.dumps(request_id, allow_nan=False)
    except ValueError:
        return "null"

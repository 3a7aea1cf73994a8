"""JSON-RPC 1.0 as the CRDS client speaks it (PROTOCOL.md §1, §5): method registry with
parameter checking, error objects, ``crds_encoded`` payloads and request handling.

Every request is checked before a method runs: JSON without ``NaN``/``Infinity``, parameters
nested at most :data:`MAX_DEPTH` levels, strings of at most :data:`MAX_TEXT` characters with no
NUL and no lone surrogates, integers within 64 bits, then each parameter against its annotation
(``Annotated[str, MaxLength(n)]`` and :class:`GlobPattern` bound names and patterns). A bad
request gets an RPC error naming the parameter and one line in the log, never a traceback.
"""

from __future__ import annotations

import base64
import gzip
import inspect
import json
import logging
import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from ..errors import raised_at

log = logging.getLogger("opencrds.server.rpc")

#: Results whose JSON is larger than this are sent ``crds_encoded`` (gzip + base64).
ENCODE_THRESHOLD = 256 * 1024
#: Deepest nesting of lists/objects inside one parameter (a header map is 2 levels).
MAX_DEPTH = 16
#: Longest string anywhere in the parameters, in characters.
MAX_TEXT = 64 * 1024
#: Integers must fit in 64 bits.
MAX_INT = 2**63
#: Longest request id echoed back (a longer one is answered as null).
MAX_ID = 256


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
    if origin is Annotated:
        return _accepts(value, get_args(annotation)[0])
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
    if get_origin(annotation) is Annotated:
        return _type_name(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return " | ".join(_type_name(option) for option in get_args(annotation))
    text = getattr(annotation, "__name__", None) if get_origin(annotation) is None else None
    return text or str(annotation).replace("typing.", "")


@dataclass(frozen=True)
class MaxLength:
    """``Annotated[str, MaxLength(n)]``: a string of at most ``n`` characters."""

    limit: int

    def problem(self, value: str) -> str | None:
        if len(value) > self.limit:
            return f"is longer than {self.limit} characters ({len(value)})"
        return None


@dataclass(frozen=True)
class GlobPattern:
    """``Annotated[str, GlobPattern()]``: a file-name glob of bounded length and wildcards,
    so matching it against every catalogued name stays cheap."""

    limit: int = 255
    wildcards: int = 16

    def problem(self, value: str) -> str | None:
        if len(value) > self.limit:
            return f"is longer than {self.limit} characters ({len(value)})"
        count = sum(value.count(c) for c in "*?[")
        if count > self.wildcards:
            return f"has more than {self.wildcards} wildcards ({count})"
        return None


def _constraint_problem(value: Any, annotation: Any) -> str | None:
    """What breaks an ``Annotated`` constraint inside ``annotation``, or None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *checks = get_args(annotation)
        for check in checks:
            problem = check.problem(value) if hasattr(check, "problem") else None
            if problem:
                return problem
        return _constraint_problem(value, base)
    if origin in (Union, types.UnionType):
        for option in get_args(annotation):
            if _accepts(value, option):
                return _constraint_problem(value, option)
        return None
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation) or (Any,)
        for index, entry in enumerate(value):
            problem = _constraint_problem(entry, item)
            if problem:
                return f"item {index} {problem}"
    if origin is dict and isinstance(value, dict):
        key_type, item = get_args(annotation) or (Any, Any)
        for key, entry in value.items():
            problem = _constraint_problem(key, key_type) or _constraint_problem(entry, item)
            if problem:
                return f"entry {_short(key)} {problem}"
    return None


def _short(value: Any, limit: int = 40) -> str:
    """A bounded repr of a client's value, for messages and the log."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}...({len(text)} characters)"


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"holds a string longer than {MAX_TEXT} characters"
    if "\x00" in text:
        return "holds a string with a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a string that is not valid Unicode (a lone surrogate)"
    return None


def value_problem(value: Any) -> str | None:
    """What makes a decoded JSON value unfit for any method (too deep, too long a string, a
    NUL, a lone surrogate, a huge integer, a non-finite number), or None. Iterative, so any
    nesting is safe to inspect."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                return f"is nested deeper than {MAX_DEPTH} levels"
            if isinstance(item, dict):
                for key in item:
                    problem = _text_problem(key)
                    if problem:
                        return problem
                item = item.values()
            for entry in item:
                if isinstance(entry, str):
                    problem = _text_problem(entry)
                    if problem:
                        return problem
                else:
                    stack.append((entry, depth + 1))
            continue
        problem = _scalar_problem(item)
        if problem:
            return problem
    return None


def _scalar_problem(item: Any) -> str | None:
    if isinstance(item, str):
        return _text_problem(item)
    if isinstance(item, bool) or item is None:
        return None
    if isinstance(item, int):
        return None if -MAX_INT <= item < MAX_INT else "holds an integer outside the 64-bit range"
    if isinstance(item, float):
        return None if math.isfinite(item) else "holds a number that is not finite"
    return f"holds a value of type {type(item).__name__}"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode(body: bytes) -> Any:
    """The JSON value of a request body (UTF-8, no ``NaN``/``Infinity``); ParseError if it is
    not valid JSON or nests too deep for the parser."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        text = str(exc) if not isinstance(exc, RecursionError) else "nested too deep"
        raise ParseError(f"request body is not valid JSON: {text[:200]}") from None


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
            shown = self.signature.replace(return_annotation=inspect.Signature.empty)
            raise InvalidParams(f"{self.name}{shown}: {str(exc)[:200]}") from None
        for pname, value in bound.arguments.items():
            hint = self.hints.get(pname, Any)
            problem = value_problem(value)
            if problem is None and not _accepts(value, hint):
                problem = f"must be {_type_name(hint)}, got {type(value).__name__}"
            problem = problem or _constraint_problem(value, hint)
            if problem:
                raise InvalidParams(f"{self.name}: parameter '{pname}' {problem}")
        return self.function(*bound.args, **bound.kwargs)


METHODS: dict[str, Method] = {}


def rpc_method(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``function`` as the JSON-RPC method of the same name."""
    hints = get_type_hints(function, include_extras=True)
    hints.pop("return", None)
    METHODS[function.__name__] = Method(
        function.__name__, function, inspect.signature(function), hints)
    return function


# ---- requests -------------------------------------------------------------------------------


def _parse(body: bytes) -> tuple[Any, str, Any]:
    """(id, method, params) of a request body, or raise a protocol RpcError."""
    request = decode(body)
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


def handle(body: bytes, origin: str = "") -> str:
    """The JSON response text for one request body (never raises). A failed call is one line
    in the log: who asked, the method, the request id and the error."""
    request_id: Any = None
    name: Any = None
    try:
        request_id, name, params = _parse(body)
        method = METHODS.get(name)
        if method is None:
            raise MethodNotFound(f"method {_short(name)} is not supported")
        result = method.call(params)
        text = json.dumps(result)
        if len(text) > ENCODE_THRESHOLD:
            text = json.dumps(crds_encode(result))
        return f'{{"jsonrpc": "1.0", "id": {_json_id(request_id)}, "error": null, "result": {text}}}'
    except RpcError as exc:
        error = exc.as_error()
        log.warning("JSON-RPC %s %s id=%s: %s", origin or "-", _short(name), _short(request_id),
                    _short(error["message"], 300))
    except Exception as exc:  # a bug: one line with where it happened, no details to the client
        log.error("JSON-RPC %s %s id=%s failed: %s: %s at %s", origin or "-", _short(name),
                  _short(request_id), type(exc).__name__, _short(str(exc), 300), raised_at(exc))
        error = RpcError(f"internal server error ({type(exc).__name__}); see the server log"
                         ).as_error()
    return json.dumps({"jsonrpc": "1.0", "id": json.loads(_json_id(request_id)),
                       "error": error, "result": None})


def _json_id(request_id: Any) -> str:
    """The request id as JSON; ids that are not scalars are answered as null."""
    if isinstance(request_id, bool) or not isinstance(request_id, (str, int, float)):
        return "null"
    if isinstance(request_id, str) and len(request_id) > MAX_ID:
        return "null"
    try:
        return json.dumps(request_id, allow_nan=False)
    except ValueError:
        return "null"

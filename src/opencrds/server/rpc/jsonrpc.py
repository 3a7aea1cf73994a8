"""JSON-RPC 1.0 as the CRDS client speaks it (PROTOCOL.md §1, §5): method registry with
parameter checking, error objects and request handling; the envelope and ``crds_encoded``
payloads are :mod:`opencrds.protocol`'s.

Every request is checked before a method runs: JSON without ``NaN``/``Infinity``, then each
parameter against the limits of :mod:`.params` and its annotation (``Annotated[str,
MaxLength(n)]`` and ``GlobPattern`` bound names and patterns). A bad request gets an RPC error
naming the parameter and one line in the log, never a traceback.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from ...protocol import crds_encode
from ...protocol.envelope import error_object, error_response, result_response
from ...rules.errors import CrdsError
from ..errors import raised_at
from .errors import wire_name
from .params import accepts, constraint_problem, shown, type_name, value_problem

log = logging.getLogger("opencrds.server.rpc")

#: Results whose JSON is larger than this are sent ``crds_encoded`` (gzip + base64).
ENCODE_THRESHOLD = 256 * 1024
#: gzip level of encoded results (any level decodes the same)
ENCODE_LEVEL = 6


class RpcError(Exception):
    """An error returned to the client as a JSON-RPC error object (HTTP 200)."""

    name = "OtherError"
    code = 500

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        if name:
            self.name = name

    def as_error(self) -> dict[str, Any]:
        return error_object(self.name, self.code, self.args[0])


class ParseError(RpcError):
    name, code = "ParseError", -32700


class InvalidRequest(RpcError):
    name, code = "InvalidRequestError", -32600


class MethodNotFound(RpcError):
    name, code = "MethodNotFoundError", -32601


class InvalidParams(RpcError):
    name, code = "InvalidParamsError", -32602




# ---- method registry ------------------------------------------------------------------------


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
class Call:
    """The call a method answers, passed to methods with a parameter annotated ``Call``:
    the HTTP request (None outside one) and who asked, for log lines."""

    request: Any = None
    origin: str = ""


@dataclass(frozen=True)
class Method:
    """A callable JSON-RPC method with the annotations its parameters are checked against;
    ``call_parameter`` names the parameter that receives the :class:`Call` (not a wire
    parameter, absent from ``signature``)."""

    name: str
    function: Callable[..., Any]
    signature: inspect.Signature
    hints: dict[str, Any]
    call_parameter: str | None = None

    def call(self, params: Any, call: Call | None = None) -> Any:
        try:
            if isinstance(params, dict):
                bound = self.signature.bind(**params)
            else:
                bound = self.signature.bind(*params)
        except TypeError as exc:
            usage = self.signature.replace(return_annotation=inspect.Signature.empty)
            raise InvalidParams(f"{self.name}{usage}: {str(exc)[:200]}") from None
        for pname, value in bound.arguments.items():
            hint = self.hints.get(pname, Any)
            problem = value_problem(value)
            if problem is None and not accepts(value, hint):
                problem = f"must be {type_name(hint)}, got {type(value).__name__}"
            problem = problem or constraint_problem(value, hint)
            if problem:
                raise InvalidParams(f"{self.name}: parameter '{pname}' {problem}")
        if self.call_parameter:  # by keyword: methods take no *args
            return self.function(**bound.arguments, **{self.call_parameter: call or Call()})
        return self.function(*bound.args, **bound.kwargs)


METHODS: dict[str, Method] = {}


def rpc_method(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``function`` as the JSON-RPC method of the same name."""
    hints = get_type_hints(function, include_extras=True)
    hints.pop("return", None)
    signature = inspect.signature(function)
    call_parameter = next((name for name, hint in hints.items() if hint is Call), None)
    if call_parameter:  # supplied by the dispatcher, never by the client
        hints.pop(call_parameter)
        signature = signature.replace(parameters=[
            p for p in signature.parameters.values() if p.name != call_parameter])
    METHODS[function.__name__] = Method(function.__name__, function, signature, hints,
                                        call_parameter)
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


def handle(body: bytes, call: Call | None = None) -> str:
    """The JSON response text for one request body (never raises). A failed call is one line
    in the log: who asked, the method, the request id and the error. Domain errors become
    error objects named by :mod:`.errors`; any other exception is an internal error."""
    request_id: Any = None
    name: Any = None
    origin = call.origin if call is not None else ""
    try:
        request_id, name, params = _parse(body)
        method = METHODS.get(name)
        if method is None:
            raise MethodNotFound(f"method {shown(name)} is not supported")
        try:
            result = method.call(params, call)
        except CrdsError as exc:
            wire = wire_name(exc)
            if wire is None:
                raise
            raise RpcError(str(exc), name=wire) from None
        text = json.dumps(result)
        if len(text) > ENCODE_THRESHOLD:
            text = json.dumps(crds_encode(result, ENCODE_LEVEL))
        return result_response(request_id, text)
    except RpcError as exc:
        error = exc.as_error()
        log.warning("JSON-RPC %s %s id=%s: %s", origin or "-", shown(name), shown(request_id),
                    shown(error["message"], 300))
    except Exception as exc:  # a bug: one line with where it happened, no details to the client
        log.error("JSON-RPC %s %s id=%s failed: %s: %s at %s", origin or "-", shown(name),
                  shown(request_id), type(exc).__name__, shown(str(exc), 300), raised_at(exc))
        error = RpcError(f"internal server error ({type(exc).__name__}); see the server log"
                         ).as_error()
    return error_response(request_id, error)

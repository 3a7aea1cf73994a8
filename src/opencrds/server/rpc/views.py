"""HTTP views: the JSON-RPC endpoint and ``/health``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

import opencrds

from ...protocol.envelope import error_response
from ..catalog import queries
from ..errors import mark_logged, one_line
from . import (
    jpoll_methods,  # noqa: F401  (registers jpoll_pull_messages, jpoll_abort)
    methods,  # noqa: F401  (registers the JSON-RPC methods)
)
from .jsonrpc import Call, InvalidRequest, RpcError, handle

log = logging.getLogger("opencrds.server.rpc")

CONTENT_TYPE = "application/json-rpc"


def client_address(request: HttpRequest) -> str:
    """The peer address of a request, for log lines."""
    return str(request.META.get("REMOTE_ADDR") or "-")[:64]


def _error_response(request: HttpRequest, error: RpcError, status: int) -> HttpResponse:
    log.warning("%s %s %s %d: %s", client_address(request), request.method,
                one_line(request.get_full_path()), status, one_line(error.args[0], 300))
    body = error_response(None, error.as_error())
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    mark_logged(response)
    return response


def read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw request body, or None if it is larger than ``limit`` bytes."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        stream = request.META["wsgi.input"]  # Django reads nothing without a Content-Length
    else:
        stream = request
    data = b""
    while len(data) <= limit:
        chunk = stream.read(limit + 1 - len(data))
        if not chunk:
            break
        data += chunk
    return None if len(data) > limit else data


@csrf_exempt
def json_rpc(request: HttpRequest, suffix: str = "") -> HttpResponse:
    """POST ``/json/`` (or any path below it): the method comes from the body, never the URL.

    The body is JSON whatever the Content-Type says (the client sends it form-encoded).
    Application errors are HTTP 200 with an ``error`` object; only transport problems
    (wrong HTTP method, oversized body) get another status.
    """
    if request.method != "POST":
        response = _error_response(request, InvalidRequest("JSON-RPC requests must be POSTed"),
                                   405)
        response["Allow"] = "POST"
        return response
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = read_body(request, limit)
    if body is None:
        # gunicorn drops the connection afterwards rather than drain a large unread body
        return _error_response(request, InvalidRequest(f"request body larger than {limit} bytes"),
                               413)
    call = Call(request, f"{client_address(request)} {one_line(request.get_full_path())}")
    return HttpResponse(handle(body, call), content_type=CONTENT_TYPE)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: database reachable, observatory configured."""
    status = {"status": "ok", "version": opencrds.__version__}
    try:
        connection.ensure_connection()
        observatory = queries.server_observatory()
        status["observatory"] = observatory
        status["operational_context"] = queries.default_contexts(observatory)["operational"]
        status["revision"] = queries.revision(observatory)[0]
    except queries.NotConfigured as exc:
        status.update(status="error", error=str(exc))
        return JsonResponse(status, status=503)
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        status.update(status="error", error=f"{type(exc).__name__} (see the server log)")
        return JsonResponse(status, status=503)
    return JsonResponse(status)

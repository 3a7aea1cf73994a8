"""File downloads: ``/unchecked_get/{mappings,references,config}/<obs>/<name>``.

Files are streamed from the store (``sendfile`` under gunicorn) with Content-Length, an ETag
and ``X-Sha1sum`` (the catalog sha1), single-range ``Range`` requests and HEAD. Names are
checked against a strict pattern and the catalog before any path is built, and a file is served
only if its resolved path (symbolic links followed) is inside the store. ``config/<obs>/``
serves only ``server_config`` and ``bad_files.txt`` (made from the catalog) and
``ref_cache_subdir_mode``. Errors are ``<Name>: <message>`` texts with 404 (or 416 for ranges,
400/413 for bad bundle requests), each one line in the log.

``POST /unchecked_bundle/<obs>/`` (an OpenCRDS extension, advertised by the ``X-OpenCRDS-Bundle``
header of every file download, with its limits in ``X-OpenCRDS-Bundle-Limits: names=N,
bytes=M``) sends many files in one response, so a sync of hundreds of
mappings costs a few requests instead of hundreds. The body is ``{"names": [...]}``; the answer
(``application/x-opencrds-bundle``) is, per name in order, one JSON line
``{"name", "size", "sha1sum"}`` followed by exactly ``size`` bytes, or one line
``{"name", "error"}`` for a file that cannot be served. The client still verifies every file
against ``download_metadata``. A bundle names each file once, at most
:data:`BUNDLE_MAX_NAMES` of them, adding up to at most ``OPENCRDS_BUNDLE_MAX_BYTES``
(catalog sizes); anything else is refused whole with 400 or 413.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.db import connection
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ...protocol.bundle import (
    BUNDLE_HEADER,
    BUNDLE_LIMITS_HEADER,
    BUNDLE_TYPE,
    error_line,
    file_line,
    format_limits,
)
from ..catalog import queries
from ..catalog.filestore import branch_of, get_file_store, is_observatory, is_safe_name
from ..catalog.models import FileRecord
from ..catalog.revision_cache import REVISION_CHECK_SECONDS, cache
from ..errors import mark_logged, one_line
from .jsonrpc import RpcError, decode
from .params import value_problem
from .serverinfo import server_config_text
from .views import client_address, read_body

log = logging.getLogger("opencrds.server.rpc")

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")
#: A byte position longer than this many digits is past the end of any file.
_MAX_DIGITS = 18
#: The config files served besides server_config and bad_files.txt (kept in the store).
_STORED_CONFIG = ("ref_cache_subdir_mode",)
#: Most names in one bundle request (our client sends at most 1000).
BUNDLE_MAX_NAMES = 5000
#: Largest bundle request body: BUNDLE_MAX_NAMES names of 255 characters, quoted.
BUNDLE_MAX_BODY = 2 * 1024 * 1024
_BLOCK = 1 << 20


def _lookup_sql() -> str:
    """SELECT of one file's download fields, quoted for the connection's backend."""
    quote = connection.ops.quote_name
    columns = {f.name: quote(f.column) for f in FileRecord._meta.concrete_fields}
    return (f"SELECT {columns['available']}, {columns['sha1sum']} FROM "
            f"{quote(FileRecord._meta.db_table)} WHERE {columns['observatory']} = %s AND "
            f"{columns['name']} = %s")


def download_record(observatory: str, name: str) -> dict[str, object] | None:
    """``{'available', 'sha1sum'}`` of one catalogued file, or None.

    One indexed SELECT, its text kept in the revision cache: a download is the hottest path of
    the server (a sync fetches hundreds of files), and the ORM's per-call query compilation
    cost more than the query itself.
    """
    sql = cache.get(observatory, ("download lookup", connection.vendor),
                    lambda _: _lookup_sql(), max_age=REVISION_CHECK_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(sql, [observatory, name])
        row = cursor.fetchone()
    if row is None:
        return None
    return {"available": bool(row[0]), "sha1sum": row[1] or ""}


def _error(request: HttpRequest, name: str, message: str, status: int = 404,
           store_problem: OSError | None = None) -> HttpResponse:
    """A ``<Name>: <message>`` text response, and one line in the log (an error naming the
    ``store_problem`` when the store, not the request, is at fault)."""
    level, detail = logging.WARNING, ""
    if store_problem is not None and not isinstance(store_problem, FileNotFoundError):
        level, detail = logging.ERROR, f" (not served: {store_problem})"
    elif store_problem is not None:
        level, detail = logging.ERROR, " (missing from the store)"
    log.log(level, "%s %s %s %d: %s: %s%s", client_address(request), request.method,
            one_line(request.get_full_path()), status, name, one_line(message, 300), detail)
    return mark_logged(HttpResponse(f"{name}: {message}\n", status=status,
                                    content_type="text/plain; charset=utf-8"))


class _Slice(io.RawIOBase):
    """At most ``length`` bytes of ``stream`` from its current position."""

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self._stream, self._left = stream, length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size) if size else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._stream.close()
        super().close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single ``bytes=`` range; None to ignore it (serve everything);
    False when it cannot be satisfied."""
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None:
        return None  # multiple or malformed ranges: RFC 9110 lets us send the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = _position(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = _position(first)
    end = min(_position(last), size - 1) if last else size - 1
    if start >= size or (last and _position(last) < start):
        return False
    return start, end


def _position(digits: str) -> int:
    """A byte position of a Range header; a huge one (any number of digits) stays huge
    without converting thousands of digits."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 1 << 62


def _respond(request: HttpRequest, opener: object, size: int, sha1: str, name: str,
             content_type: str) -> HttpResponseBase:
    """A full, partial, 304 or HEAD response for a file of ``size`` bytes."""
    etag = f'"{sha1}"'
    headers = {"ETag": etag, "X-Sha1sum": sha1, "Accept-Ranges": "bytes",
               "Cache-Control": "public, max-age=3600"}
    if request.headers.get("If-None-Match", "").strip() in (etag, "*"):
        response = HttpResponse(status=304, headers=headers)
        return response
    status, first, length = 200, 0, size
    range_header = request.headers.get("Range")
    if range_header and request.headers.get("If-Range", etag) == etag:
        wanted = parse_range(range_header, size)
        if wanted is False:
            response = _error(request, "RangeNotSatisfiable", f"file has {size} bytes", 416)
            for key, value in {**headers, "Content-Range": f"bytes */{size}"}.items():
                response[key] = value
            return response
        if wanted:
            first, last = wanted
            status, length = 206, last - first + 1
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers, content_type=content_type)
    stream = opener()  # type: ignore[operator]
    if status == 206:
        stream.seek(first)
        stream = _Slice(stream, length)
    response = FileResponse(stream, status=status, content_type=content_type,
                            as_attachment=False, filename=name)
    for key, value in headers.items():
        response[key] = value
    return response


def _config_file(request: HttpRequest, observatory: str, name: str) -> HttpResponseBase:
    if name == "server_config":
        data = server_config_text(request).encode("utf-8")
    elif name == "bad_files.txt":
        data = "\n".join(queries.bad_files(observatory)).encode("utf-8")
    elif name in _STORED_CONFIG:
        try:
            data = get_file_store().read_bytes(observatory, name, "config")
        except OSError as exc:
            return _error(request, "UnknownFile", f"File '{name}' is not known to CRDS.",
                          store_problem=None if isinstance(exc, FileNotFoundError) else exc)
    else:
        return _error(request, "UnknownFile", f"File '{name}' is not known to CRDS.")
    sha1 = hashlib.sha1(data).hexdigest()
    return _respond(request, lambda: io.BytesIO(data), len(data), sha1, name,
                    "text/plain; charset=utf-8")


def _refuse_observatory(request: HttpRequest, observatory: str, invalid: str
                        ) -> HttpResponseBase | None:
    """The error response when ``observatory`` is malformed (``invalid``) or not the one
    this server serves; None when it is."""
    if not is_observatory(observatory):
        return _error(request, "UnknownFile", invalid)
    try:
        served = queries.server_observatory()
    except queries.NotConfigured:
        return _error(request, "ServerError", "the server has no observatory configured.", 503)
    if observatory != served:
        return _error(request, "UnknownFile",
                      f"this server serves '{served}' files, not '{observatory}'.")
    return None


@require_http_methods(["GET", "HEAD"])
def unchecked_get(request: HttpRequest, branch: str, observatory: str,
                  name: str) -> HttpResponseBase:
    """Serve one file of the store by its CRDS name."""
    if not is_safe_name(name):
        return _error(request, "UnknownFile", "invalid file name.")
    refused = _refuse_observatory(request, observatory, "invalid file name.")
    if refused is not None:
        return refused
    if branch == "config":
        return _config_file(request, observatory, name)
    record = download_record(observatory, name)
    if record is None or branch_of(name) != branch:
        return _error(request, "UnknownFile", f"File '{name}' is not known to CRDS.")
    if not record["available"]:
        return _error(request, "UnavailableFile", f"File '{name}' is not yet available.")
    store = get_file_store()
    try:
        size = store.size(observatory, name, branch)
    except OSError as exc:
        return _error(request, "UnavailableFile", f"File '{name}' is not yet available.",
                      store_problem=exc)
    content_type = "text/plain; charset=utf-8" if branch == "mappings" else (
        "application/octet-stream")
    response = _respond(request, lambda: store.open(observatory, name, branch), size,
                        record["sha1sum"], name, content_type)
    bundle = bundle_path(observatory)
    if bundle:
        response[BUNDLE_HEADER] = bundle
        response[BUNDLE_LIMITS_HEADER] = format_limits(BUNDLE_MAX_NAMES,
                                                       settings.OPENCRDS_BUNDLE_MAX_BYTES)
    return response


def bundle_path(observatory: str) -> str:
    """The path of the bundle endpoint of ``observatory`` ('' when it is not routed)."""
    try:
        return reverse("unchecked-bundle", kwargs={"observatory": observatory})
    except NoReverseMatch:
        return ""


def _bundle_records(observatory: str, names: list[str]
                    ) -> dict[str, tuple[bool, str, int]]:
    """``{name: (available, sha1sum, size)}`` of the catalogued ``names``, a few queries."""
    found: dict[str, tuple[bool, str, int]] = {}
    unique = sorted(set(names))
    for start in range(0, len(unique), 500):
        rows = (FileRecord.objects
                .filter(observatory=observatory, name__in=unique[start:start + 500])
                .values_list("name", "available", "sha1sum", "size").order_by())
        for name, available, sha1, size in rows:
            found[name] = (bool(available), sha1 or "", int(size or 0))
    return found


def _bundle_stream(observatory: str, names: list[str],
                   records: dict[str, tuple[bool, str, int]]) -> Iterator[bytes]:
    """Header line + bytes of every name, or an error line; files read as they are sent."""
    store = get_file_store()
    for name in names:
        if not is_safe_name(name):
            yield error_line(name, "UnknownFile: invalid file name.")
            continue
        record = records.get(name)
        if record is None:
            yield error_line(name, f"UnknownFile: File '{name}' is not known to CRDS.")
            continue
        if not record[0]:
            yield error_line(name, f"UnavailableFile: File '{name}' is not yet available.")
            continue
        try:
            stream = store.open(observatory, name)
        except OSError as exc:
            log.error("catalogued file not served: %s", exc)
            yield error_line(name, f"UnavailableFile: File '{name}' is not yet available.")
            continue
        with stream:
            size = os.fstat(stream.fileno()).st_size
            yield file_line(name, size, record[1])
            left = size
            while left > 0:
                block = stream.read(min(_BLOCK, left))
                if not block:  # the file shrank under us: pad so the stream stays framed
                    log.error("file changed while it was sent: %s", name)
                    block = b"\0" * min(_BLOCK, left)
                left -= len(block)
                yield block


def _bundle_names(body: bytes) -> list[str]:
    """The names a bundle request body asks for; ValueError saying what is wrong."""
    try:
        request = decode(body)
    except RpcError as exc:
        raise ValueError(exc.args[0]) from None
    names = request.get("names") if isinstance(request, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError('the body must be {"names": [file names]}')
    problem = value_problem(names)
    if problem:
        raise ValueError(f"'names' {problem}")
    if len(names) > BUNDLE_MAX_NAMES:
        raise ValueError(f"at most {BUNDLE_MAX_NAMES} names in one bundle, got {len(names)}")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"'{name[:255]}' is named more than once: name each file once")
        seen.add(name)
    return names


@csrf_exempt
@require_http_methods(["POST"])
def unchecked_bundle(request: HttpRequest, observatory: str) -> HttpResponseBase:
    """Many files of the store in one response (see the module docstring for the format)."""
    refused = _refuse_observatory(request, observatory, "invalid observatory.")
    if refused is not None:
        return refused
    body = read_body(request, BUNDLE_MAX_BODY)
    if body is None:
        return _error(request, "BadRequest",
                      f"a bundle request body is at most {BUNDLE_MAX_BODY} bytes.", 413)
    try:
        names = _bundle_names(body)
    except ValueError as exc:
        return _error(request, "BadRequest", f"{exc}.", 400)
    records = _bundle_records(observatory, [n for n in names if is_safe_name(n)])
    total = sum(size for available, _sha1, size in records.values() if available)
    limit = settings.OPENCRDS_BUNDLE_MAX_BYTES
    if total > limit:
        return _error(request, "BadRequest",
                      f"the {len(names)} files named add up to {total} bytes, more than the "
                      f"{limit} bytes one bundle may carry: ask for them in smaller bundles.",
                      413)
    response = StreamingHttpResponse(_bundle_stream(observatory, names, records),
                                     content_type=BUNDLE_TYPE)
    response["Cache-Control"] = "no-store"
    return response

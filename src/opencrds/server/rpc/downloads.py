"""File downloads: ``/unchecked_get/{mappings,references,config}/<obs>/<name>``.

Files are streamed from the store (``sendfile`` under gunicorn) with Content-Length, an ETag
and ``X-Sha1sum`` (the catalog sha1), single-range ``Range`` requests and HEAD. Names are
checked against a strict pattern and the catalog before any path is built, so nothing outside
the store can be reached. Errors are ``<Name>: <message>`` texts with 404 (or 416 for ranges).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_http_methods

from ..catalog import queries, store
from .serverinfo import server_config_text

log = logging.getLogger("opencrds.server.rpc")

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")
_CONFIG_NAMES = ("server_config", "bad_files.txt")


def _error(name: str, message: str, status: int = 404) -> HttpResponse:
    return HttpResponse(f"{name}: {message}\n", status=status,
                        content_type="text/plain; charset=utf-8")


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
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


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
            headers["Content-Range"] = f"bytes */{size}"
            return HttpResponse(f"RangeNotSatisfiable: file has {size} bytes\n", status=416,
                                headers=headers, content_type="text/plain; charset=utf-8")
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
    else:
        path = store.file_path(observatory, name, "config")
        if not path.is_file():
            return _error("UnknownFile", f"File '{name}' is not known to CRDS.")
        data = path.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()
    return _respond(request, lambda: io.BytesIO(data), len(data), sha1, name,
                    "text/plain; charset=utf-8")


@require_http_methods(["GET", "HEAD"])
def unchecked_get(request: HttpRequest, branch: str, observatory: str,
                  name: str) -> HttpResponseBase:
    """Serve one file of the store by its CRDS name."""
    if not store.is_safe_name(name) or not store.OBSERVATORY_RE.fullmatch(observatory):
        return _error("UnknownFile", "invalid file name.")
    try:
        served = queries.server_observatory()
    except queries.NotConfigured:
        return _error("ServerError", "the server has no observatory configured.", 503)
    if observatory != served:
        return _error("UnknownFile", f"this server serves '{served}' files, not '{observatory}'.")
    if branch == "config":
        return _config_file(request, observatory, name)
    record = queries.file_record(observatory, name)
    if record is None or store.branch_of(name) != branch:
        return _error("UnknownFile", f"File '{name}' is not known to CRDS.")
    if not record["available"]:
        return _error("UnavailableFile", f"File '{name}' is not yet available.")
    path = store.file_path(observatory, name, branch)
    if not path.parent.resolve().is_relative_to(store.root().resolve()):
        return _error("UnknownFile", "invalid file name.")
    try:
        size = path.stat().st_size
    except OSError:
        log.error("catalogued file missing from the store: %s", path)
        return _error("UnavailableFile", f"File '{name}' is not yet available.")
    content_type = "text/plain; charset=utf-8" if branch == "mappings" else (
        "application/octet-stream")
    return _respond(request, lambda: open(path, "rb"), size, record["sha1sum"], name,
                    content_type)

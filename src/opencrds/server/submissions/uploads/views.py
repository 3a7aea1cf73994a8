"""Upload endpoints (SERVER.md §1.12; PROTOCOL.md §7.3 steps 5 and 7) for the browser's
jQuery-File-Upload widget and the crds client.

Every response sets the ``csrftoken`` cookie: crds reads the token of its next chunk from the
``Set-Cookie`` of each response. Anonymous users get a 403 JSON answer (never a redirect,
which a scripted client would take for success). File names are taken as sent, before
Django's clean-up of upload names, so ``../x`` is refused rather than quietly renamed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt

from . import area
from .area import Upload, UploadError

#: The multipart field holding the files.
FIELD = "files"
#: Bytes a multipart body may hold beyond the file itself (boundaries, the CSRF field...).
MULTIPART_SLACK = 1024 * 1024


def delete_url(name: str) -> str:
    """The path (relative to the server root) that deletes upload ``name``."""
    return f"/upload/delete/{name}"


def _described(upload: Upload) -> dict[str, Any]:
    return {"name": upload.name, "size": upload.size, "deleteUrl": delete_url(upload.name),
            "deleteType": "GET", "complete": upload.complete}


def _json(request: HttpRequest, payload: Any, status: int = 200) -> JsonResponse:
    """A JSON answer that (re)sets the ``csrftoken`` cookie."""
    get_token(request)  # marks the cookie to be sent by CsrfViewMiddleware.process_response
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    response = JsonResponse(payload, status=status, safe=False)
    response["Cache-Control"] = "no-store"
    return response


def login_required_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A 403 JSON answer for anonymous users (before the body is read)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json(request, {"files": [], "error": "login required: log in at /login/ "
                                   "to use the upload area"}, status=403)
        return view(request, *args, **kwargs)

    return checked


class _RawNameParser(MultiPartParser):
    """Django's multipart parser, keeping each uploaded file's name exactly as sent (Django
    strips directories and unprintable characters; the upload area refuses such names)."""

    def sanitize_file_name(self, file_name: str) -> str | None:
        return file_name or None


class _CsrfCheck(CsrfViewMiddleware):
    """The CSRF middleware's check, answering a refusal in JSON."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return _json(request, {"files": [], "error": f"CSRF check failed: {reason}"},
                     status=403)


def _parse_upload(request: HttpRequest) -> list[Any]:
    """The uploaded files of a multipart POST, with names as sent (``uploaded.raw_name``);
    the form fields become ``request.POST`` (for the CSRF check)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        raise UploadError(f"expected a multipart/form-data POST with a '{FIELD}' file field, "
                          f"got {content_type[:60] or 'no content type'}")
    names: list[tuple[str, str]] = []
    handlers = [_NameRecorder(names, request), *request.upload_handlers]
    try:
        post, files = _RawNameParser(request.META, request, handlers, request.encoding).parse()
    except MultiPartParserError as exc:
        raise UploadError(f"the multipart body does not parse: {exc}") from None
    request._post, request._files = post, files  # what request.POST/FILES would have parsed
    raw = iter(name for field, name in names if field == FIELD)
    uploaded = files.getlist(FIELD)
    for item in uploaded:
        item.raw_name = next(raw, item.name)
    others = sorted(set(files) - {FIELD})
    if others:
        raise UploadError(f"unexpected file field(s) {', '.join(others)}; send files in "
                          f"'{FIELD}'")
    return uploaded


class _NameRecorder(FileUploadHandler):
    """An upload handler that only notes (field, file name) of each file part, in order, and
    passes the data on to the next handlers."""

    def __init__(self, names: list[tuple[str, str]], request: HttpRequest) -> None:
        super().__init__(request)
        self.names = names

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.names.append((field_name, file_name))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(request: HttpRequest) -> UploadError | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    limit = int(settings.OPENCRDS_UPLOAD_MAX_BYTES)
    if declared > limit + MULTIPART_SLACK:
        return UploadError(f"the upload is too large: {declared} bytes, more than the {limit} "
                           "bytes allowed per file", status=413)
    return None


@csrf_exempt  # checked below, once the body is parsed with the names as sent
@login_required_json
def upload(request: HttpRequest) -> HttpResponse:
    """``GET``: the user's uploads (and the CSRF cookie). ``POST``: store the files of field
    ``files``, or one chunk of one file with ``Content-Range: bytes a-b/total``. A browser's
    plain form (no scripts) sends ``next``: it is sent back there once the files are stored."""
    if request.method in ("GET", "HEAD"):
        return _json(request, {"files": [_described(u) for u in area.list_uploads(request.user)]})
    if request.method != "POST":
        return _json(request, {"files": [], "error": f"{request.method} is not allowed here"},
                     status=405)
    refusal = _too_large(request)
    if refusal:
        return _json(request, {"files": [{"name": "", "error": str(refusal)}]},
                     status=refusal.status)
    try:
        uploaded = _parse_upload(request)
    except UploadError as exc:
        return _json(request, {"files": [{"name": exc.name, "error": str(exc)}]},
                     status=exc.status)
    rejected = _CsrfCheck(lambda r: HttpResponse()).process_view(request, None, (), {})
    if rejected is not None:
        return rejected
    if not uploaded:
        return _json(request, {"files": [{"name": "", "error": f"no file in the '{FIELD}' "
                                          "field"}]}, status=400)
    content_range = request.META.get("HTTP_CONTENT_RANGE")
    if content_range is not None and len(uploaded) != 1:
        return _json(request, {"files": [{"name": "", "error": "a Content-Range applies to "
                                          f"one file; got {len(uploaded)}"}]}, status=400)
    answers, status = [], 200
    for item in uploaded:
        try:
            stored = area.receive(request.user, item.raw_name, item, item.size, content_range)
        except UploadError as exc:
            answers.append({"name": item.raw_name, "error": str(exc)})
            status = max(status, exc.status)
        else:
            answers.append(_described(stored))
        finally:
            item.close()
    back = request.POST.get("next", "")
    if status == 200 and content_range is None and back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(back, status=303)  # the upload manager's form, no scripts
    return _json(request, {"files": answers}, status=status)


@login_required_json
def upload_list(request: HttpRequest) -> HttpResponse:
    """The user's uploads: ``{"files": [{"name", "size", "deleteUrl", "complete"}...]}``."""
    return _json(request, {"files": [_described(u) for u in area.list_uploads(request.user)]})


@login_required_json
def upload_delete(request: HttpRequest, name: str) -> HttpResponse:
    """Delete upload ``name`` (GET, as crds does on ``deleteUrl``; also POST and DELETE)."""
    if request.method not in ("GET", "POST", "DELETE"):
        return _json(request, {"files": [], "error": f"{request.method} is not allowed here"},
                     status=405)
    try:
        area.delete_upload(request.user, name)
    except UploadError as exc:
        return _json(request, {"files": [{"name": name, "error": str(exc)}]},
                     status=exc.status)
    return _json(request, {"files": [{name: True}]})

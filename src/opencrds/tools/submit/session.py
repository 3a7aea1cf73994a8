"""The web session of a submission (PROTOCOL.md §7.2): one httpx client keeping cookies,
following redirects and sending ``Referer: <server>``; every response is checked and a
failure becomes one :class:`WebError` naming the method, URL and status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from ...rules.errors import CrdsError
from .pages import error_message

CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrfmiddlewaretoken"


class WebError(CrdsError):
    """A request to the server failed: no connection, a non-2xx status, or a page that
    reports an error."""


def _status_text(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _json_error(response: httpx.Response) -> str | None:
    """The message of a JSON error body (``{"error": ...}`` or ``{"status": "error", ...}``)."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    files = body.get("files")
    if not error and isinstance(files, list):  # jQuery-File-Upload: per-file errors
        error = "; ".join(str(entry["error"]) for entry in files
                          if isinstance(entry, dict) and entry.get("error"))
    if isinstance(error, dict):
        error = error.get("message") or error.get("name")
    if error:
        return str(error)
    if body.get("status") == "error":
        return str(body.get("message") or body.get("detail") or "error")
    return None


class WebSession:
    """Cookie-keeping requests to ``base_url`` (``CRDS_SERVER_URL``).

    As crds's session: redirects followed, environment proxies honoured, ``referer`` sent,
    no read timeout (``timeout`` sets one); connecting gives up after 30 s."""

    def __init__(self, base_url: str, *, timeout: float | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=30.0), follow_redirects=True,
            transport=transport, headers={"referer": self.base_url},
            verify=not self.base_url.startswith("http://"))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WebSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """The absolute URL of a server path (an absolute URL is kept as it is)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def set_cookie(self, name: str, value: str) -> None:
        self.client.cookies.set(name, value)

    def request(self, method: str, path: str, *, check: bool = True,
                **kwargs: Any) -> httpx.Response:
        """Send a request; with ``check`` a failed one raises WebError (see ``check``)."""
        url = self.url(path)
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise WebError(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None
        if check:
            self.check(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    @staticmethod
    def check(response: httpx.Response) -> None:
        """WebError for a non-2xx status (after redirects; a JSON error object's message is
        quoted) or an HTML page holding an ``error_message`` div with text. A 2xx JSON
        answer passes, as in crds."""
        request = response.request
        where = f"{request.method} {request.url}"
        if not response.is_success:
            detail = _json_error(response) or _short_text(response)
            raise WebError(f"{where} failed: HTTP {_status_text(response)}"
                           + (f": {detail}" if detail else ""))
        if "json" in response.headers.get("content-type", ""):
            return  # JSON answers pass (lock_status says "status": "error" for no lock)
        if "html" in response.headers.get("content-type", "") or response.text.lstrip()[:1] == "<":
            message = error_message(response.text)
            if message:
                raise WebError(f"{where}: {message}")

    def csrf_token(self, response: httpx.Response) -> str:
        """The ``csrftoken`` cookie ``response`` set (else the session's); WebError if none."""
        token = response.cookies.get(CSRF_COOKIE) or self.client.cookies.get(CSRF_COOKIE)
        if not token:
            raise WebError(f"{response.request.method} {response.request.url} set no "
                           f"'{CSRF_COOKIE}' cookie: cannot post the form")
        return token

    def repost(self, path: str, data: Mapping[str, Any], *, check: bool = True,
               **kwargs: Any) -> httpx.Response:
        """GET ``path`` for its CSRF cookie, then POST ``data`` (plus the token) to it."""
        token = self.csrf_token(self.get(path))
        return self.post(path, data={**data, CSRF_FIELD: token}, check=check, **kwargs)

    def json(self, path: str) -> Any:
        """The JSON body of ``GET path``; WebError when it is not JSON."""
        response = self.get(path)
        try:
            return response.json()
        except ValueError:
            raise WebError(f"GET {response.request.url} did not answer JSON: "
                           f"{_short_text(response)!r}") from None


def _short_text(response: httpx.Response, limit: int = 200) -> str:
    """The start of a response body on one line (for error messages)."""
    try:
        text = response.text
    except Exception:  # undecodable body
        return ""
    if "html" in response.headers.get("content-type", "") or text.lstrip()[:1] == "<":
        message = error_message(text)
        if message:
            return message
        from .pages import page_title

        return page_title(text)
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")

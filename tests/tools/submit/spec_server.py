"""A small web server that speaks the submission protocol as PROTOCOL.md §7–§8 writes it, over
real HTTP in a thread: the counterpart the client is tested against until (and besides) the
real server's end-to-end tests. It records every request so tests can check what was sent.

It is deliberately strict where the spec is: every form GET and every upload answer sets a
fresh ``csrftoken`` cookie and the next POST must carry the latest one; ``/login/`` needs the
``ASB-AUTH`` cookie equal to the password; ``/upload/list/`` answers relative ``deleteUrl``s;
jpoll ids are integers and the stream ends with ``done``.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from result_page import RESULT, result_page

FORMS = ("/batch_submit_references/", "/submission_form/redcat_submit/", "/certify/",
         "/submit/reference/", "/submit/mapping/")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Behaviour:
    """What the server does; tests change it before the run."""

    users: dict[str, str] = field(default_factory=lambda: {"jo": "token-1"})
    lock: dict[str, Any] = field(default_factory=lambda: {"name": ""})
    uploads: dict[str, bytes] = field(default_factory=dict)
    messages: list[tuple[str, Any]] = field(default_factory=lambda: [
        ("log_message", "Certifying 'x'"), ("log_message", "Generating rules")])
    done_status: int = 0
    form_status: int = 200
    form_error: str = ""
    result: dict[str, Any] = field(default_factory=lambda: RESULT)


class SpecServer:
    """``with SpecServer() as server:`` serves on 127.0.0.1; ``server.url``."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[Request] = []
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.sessions: dict[str, str] = {}
        self.session_channels: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.logged_out = False
        self.confirmed: list[dict[str, str]] = []
        self._partial: dict[str, bytearray] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> SpecServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method in (None, r.method)]

    # ---- the handler -------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _cookies(self) -> dict[str, str]:
                jar = cookies.SimpleCookie(self.headers.get("Cookie", ""))
                return {name: morsel.value for name, morsel in jar.items()}

            def _send(self, status: int, body: str | bytes, kind: str = "text/html",
                      set_cookies: dict[str, str] | None = None) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (set_cookies or {}).items():
                    self.send_header("Set-Cookie", f"{name}={value}; Path=/")
                self.end_headers()
                self.wfile.write(data)

            def _json(self, value: Any, status: int = 200, **kw: Any) -> None:
                self._send(status, json.dumps(value), "application/json", **kw)

            def _token(self) -> dict[str, str]:
                token = secrets.token_hex(8)
                server.tokens.add(token)
                return {"csrftoken": token}

            def _record(self, body: bytes) -> Request:
                split = urlsplit(self.path)
                request = Request(self.command, split.path, dict(self.headers.items()))
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("multipart/form-data"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        f"Content-Type: {kind}\r\n\r\n".encode() + body)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True) or b""
                        if part.get_filename():
                            request.files[name] = (part.get_filename(), payload)
                        else:
                            request.fields[name] = payload.decode()
                elif body and "json" not in kind:
                    request.fields = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
                with server._lock:
                    server.requests.append(request)
                return request

            def _csrf_ok(self, request: Request) -> bool:
                token = request.fields.get("csrfmiddlewaretoken", "")
                return token in server.tokens and self._cookies().get("csrftoken") == token

            def _logged_in(self) -> bool:
                return self._cookies().get("sessionid") in server.sessions

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch(b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                self._dispatch(self.rfile.read(length))

            def _dispatch(self, body: bytes) -> None:
                request = self._record(body)
                path, behaviour = request.path, server.behaviour
                if path.startswith("/json/"):
                    return self._rpc(json.loads(body))
                if match := re.fullmatch(r"/lock_status/([^/]+)/", path):
                    return self._json({**behaviour.lock, "user": unquote(match[1])})
                if path == "/login/":
                    return self._login(request)
                if path == "/logout/":
                    server.logged_out = True
                    return self._send(200, "<html><body>bye</body></html>")
                if not self._logged_in():
                    return self._send(403, "<html><body>Forbidden</body></html>")
                if path == "/upload/list/":
                    return self._json({"files": [
                        {"name": n, "size": len(d), "deleteUrl": f"/upload/delete/{n}"}
                        for n, d in sorted(behaviour.uploads.items())]})
                if path.startswith("/upload/delete/"):
                    behaviour.uploads.pop(unquote(path.rsplit("/", 1)[1]), None)
                    return self._json({"files": []})
                if path == "/upload/chunked/":
                    return self._upload(request)
                if path == "/jpoll/open_channel":  # kept in the session too (crds posts none)
                    key = str(uuid.uuid4())
                    server.channels[key] = []
                    server.session_channels[self._cookies()["sessionid"]] = key
                    return self._json(key)
                if path in FORMS:
                    return self._form(request)
                if path.startswith("/display_result/"):
                    return self._send(200, result_page(behaviour.result),
                                      set_cookies=self._token())
                if path == "/submit_confirm_pipeline/" and request.method == "POST":
                    if not self._csrf_ok(request):
                        return self._send(403, "<html><body>CSRF failed</body></html>")
                    server.confirmed.append(request.fields)
                    return self._send(200, result_page(
                        behaviour.result, confirmed=request.fields.get("button") == "confirm"))
                return self._send(404, "<html><body>Not found</body></html>")

            def _login(self, request: Request) -> None:
                if request.method == "GET":
                    return self._send(200, "<html><form>login</form></html>",
                                      set_cookies=self._token())
                fields = request.fields
                password = server.behaviour.users.get(fields.get("username", ""))
                if not self._csrf_ok(request):
                    return self._send(403, "<html><body>CSRF failed</body></html>")
                if password is None or fields.get("password") != password \
                        or self._cookies().get("ASB-AUTH") != password:
                    return self._send(200, '<html><div id="error_message">Invalid username '
                                           'or token.</div></html>')
                session = secrets.token_hex(8)
                server.sessions[session] = fields["username"]
                return self._send(200, "<html><title>Welcome</title><body>in</body></html>",
                                  set_cookies={"sessionid": session})

            def _upload(self, request: Request) -> None:
                if request.method == "GET":
                    return self._send(200, "<html>upload</html>", set_cookies=self._token())
                if not self._csrf_ok(request):
                    return self._send(403, "<html><body>CSRF failed</body></html>")
                name, data = request.files["files"]
                span = request.headers.get("Content-Range")
                if span:
                    first, last, total = map(int, re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)",
                                                               span).groups())
                    part = server._partial.setdefault(name, bytearray())
                    assert first == len(part) and last - first + 1 == len(data), span
                    part.extend(data)
                    if last + 1 == total:
                        server.behaviour.uploads[name] = bytes(server._partial.pop(name))
                else:
                    server.behaviour.uploads[name] = data
                return self._json({"files": [{"name": name, "size": len(data)}]},
                                  set_cookies=self._token())

            def _form(self, request: Request) -> None:
                behaviour = server.behaviour
                if request.method == "GET":
                    return self._send(200, "<html><form>submit</form></html>",
                                      set_cookies=self._token())
                if not self._csrf_ok(request):
                    return self._send(403, "<html><body>CSRF failed</body></html>")
                if behaviour.form_status != 200:
                    return self._send(behaviour.form_status, "<html><title>Server Error"
                                                             "</title></html>")
                if behaviour.form_error:
                    return self._send(200, f'<html><div id="error_message">'
                                           f'{behaviour.form_error}</div></html>')
                key = request.fields.get("jpoll_key") or server.session_channels.get(
                    self._cookies()["sessionid"], "")
                results_id = str(uuid.uuid4())
                stream = server.channels.setdefault(key, [])
                for kind, data in behaviour.messages:
                    stream.append({"id": len(stream) + 1, "type": kind, "data": data})
                stream.append({"id": len(stream) + 1, "type": "done", "data": {
                    "status": behaviour.done_status,
                    "result": f"{server.url}//display_result/{results_id}"}})
                return self._send(200, f'<html><body>Submitted: <a href="/display_result/'
                                       f'{results_id}">result</a></body></html>')

            def _rpc(self, call: dict[str, Any]) -> None:
                method, params = call["method"], call.get("params") or []
                result: Any = None
                error = None
                if method == "get_server_info":
                    result = {"observatory": "jwst", "edit_context": "jwst_0541.pmap",
                              "operational_context": "jwst_0540.pmap",
                              "latest_context": "jwst_0541.pmap", "versions_context": "",
                              "bad_files_list": [], "mappings": ["jwst_0541.pmap"],
                              "mapping_url": {"jwst": f"{server.url}/unchecked_get/mappings/"
                                                      "jwst/"},
                              "reference_url": {"jwst": f"{server.url}/unchecked_get/"
                                                        "references/jwst/"},
                              "download_metadata": {}, "force_remote_mode": 0,
                              "last_synced": "2026-01-01 00:00:00", "max_headers_per_rpc": 500,
                              "max_bestrefs_per_rpc": 1000, "crds_version": {"str": "14.0.3"},
                              "context_history": []}
                elif method == "jpoll_pull_messages":
                    key, since = params[0], int(params[1] or 0)
                    if key not in server.channels:
                        error = f"UnknownChannel: Channel '{key}' not found"
                    else:
                        result = [m for m in server.channels[key] if m["id"] > since]
                elif method == "get_mapping_names":
                    result = {"jwst_0541.pmap": ["jwst_0541.pmap", "jwst_miri_0299.imap"],
                              "jwst_0542.pmap": ["jwst_0542.pmap", "jwst_miri_0300.imap",
                                                 "jwst_miri_dark_0051.rmap"]}[params[0]]
                else:
                    error = f"MethodNotFound: {method}"
                self._json({"jsonrpc": "1.0", "id": call.get("id"),
                            "error": {"name": "Error", "message": error, "code": 500,
                                      "data": None} if error else None,
                            "result": result})

        return Handler

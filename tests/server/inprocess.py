"""The server in the test process: the Django test client behind an httpx transport, a live
HTTP server thread for real clients, and which test database (pytest-django) the server code
uses.

:class:`InProcessServer` and :class:`LiveServer` have the interface of the subprocess
:class:`server_helpers.Server` (``get``, ``post``, ``call``, ``rpc``, ``manage``, ...), so a test
reads the same whichever one runs it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management import CommandError, call_command
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.test import Client
from server_helpers import CRDS_CACHE, OBSERVATORIES, Server

#: The port the test client's requests name in their Host header (nothing listens there).
TEST_CLIENT_PORT = 8000


# ---- databases ---------------------------------------------------------------------------------

_wrappers: dict[str, Any] = {}


def connection_as_default(alias: str) -> Any:
    """A new connection to the test database ``alias`` that calls itself ``default``: the
    server code uses the default connection, and Django's test isolation (which refuses
    other aliases in a test) treats it as that."""
    settings_dict = connections.settings[alias]
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)


@contextlib.contextmanager
def default_database(alias: str) -> Iterator[None]:
    """Make the test database ``alias`` the ``default`` one of this thread while inside."""
    if alias == DEFAULT_DB_ALIAS:
        yield
        return
    if alias not in _wrappers:
        _wrappers[alias] = connection_as_default(alias)
    saved = connections["default"]
    connections["default"] = _wrappers[alias]
    try:
        yield
    finally:
        connections["default"] = saved


def close_database_wrappers() -> None:
    for wrapper in _wrappers.values():
        wrapper.close()
    _wrappers.clear()


def import_shared_cache(alias: str) -> None:
    """``manage import_cache`` of the shared CRDS cache, every observatory, into ``alias``."""
    with default_database(alias):
        for observatory in OBSERVATORIES:
            call_command("import_cache", str(CRDS_CACHE), "--observatory", observatory,
                         verbosity=0)


def forget_server_caches() -> None:
    """Drop what the server code keeps per process between requests (keyed by catalog
    revision, which the two test databases share): a test on one database backend must not
    be answered from what a test on the other one computed."""
    from opencrds.server.catalog.revision_cache import cache
    from opencrds.server.web.contexts.warm import forget_caches

    cache.clear()
    forget_caches()  # kept by mapping name: the demo's jwst_0001.pmap is not JWST's


def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``opencrds manage ARGS`` run in-process (``call_command``) on the default database:
    the exit status, output and error text the command-line run would give."""
    stdout, stderr, returncode = io.StringIO(), io.StringIO(), 0
    try:
        call_command(*args, stdout=stdout, stderr=stderr)
    except CommandError as exc:  # as BaseCommand.run_from_argv reports it
        stderr.write(f"{type(exc).__name__}: {exc}\n")
        returncode = exc.returncode
    done = subprocess.CompletedProcess(["manage", *args], returncode, stdout.getvalue(),
                                       stderr.getvalue())
    if check:
        done.check_returncode()
    return done


# ---- the server's log ------------------------------------------------------------------------


class LogCapture(logging.Handler):
    """The lines the server would write to its log: the root logger's records, formatted and
    folded as the server's own console handler does (settings.LOGGING)."""

    def __init__(self) -> None:
        super().__init__()
        from opencrds.server.errors import OneLineFilter

        self.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
        self.addFilter(OneLineFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(self.format(record).splitlines())

    @contextlib.contextmanager
    def installed(self) -> Iterator[LogCapture]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)


# ---- the Django test client as an httpx transport ----------------------------------------------


class TestClientTransport(httpx.BaseTransport):
    """Hands each httpx request to the Django test client (no socket, no thread), with the
    WSGI environ a front server would give: the exact path, the Host header, and a chunked
    body without a Content-Length."""

    def __init__(self) -> None:
        self.client = Client(raise_request_exception=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = dict(request.headers)
        host = headers.pop("host", f"{request.url.host}:{request.url.port}")
        content_type = headers.pop("content-type", "application/octet-stream")
        headers.pop("content-length", None)
        environ = {f"HTTP_{name.upper().replace('-', '_')}": value
                   for name, value in headers.items()}
        environ["HTTP_HOST"] = host
        if "chunked" in headers.get("transfer-encoding", "").lower():
            environ["CONTENT_LENGTH"] = ""
        answer = self.client.generic(request.method, request.url.raw_path.decode("ascii"),
                                     data=body, content_type=content_type, **environ)
        # (the test client closes the response itself, or when its stream is exhausted)
        content = b"".join(answer.streaming_content) if answer.streaming else answer.content
        fields = list(answer.headers.items())
        fields += [("set-cookie", morsel.OutputString()) for morsel in answer.cookies.values()]
        return httpx.Response(answer.status_code, headers=fields, content=content,
                              request=request)

    def raw_get(self, path: str) -> tuple[int, bytes]:
        """GET ``path`` exactly as written."""
        answer = self.client.get(path, HTTP_HOST=f"127.0.0.1:{TEST_CLIENT_PORT}")
        content = b"".join(answer.streaming_content) if answer.streaming else answer.content
        return answer.status_code, content


class InProcessServer(Server):
    """The server of this process, reached through the Django test client."""

    def __init__(self, observatory: str, backend: str, log: LogCapture) -> None:
        self.transport = TestClientTransport()
        super().__init__(observatory, backend, Path(settings.OPENCRDS_HOME), TEST_CLIENT_PORT,
                         {}, Path("/nonexistent/in-process.log"), client=self.new_client())
        self.log = log

    def new_client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=120)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return manage(*args, check=check)

    def log_lines(self) -> list[str]:
        return list(self.log.lines)

    def raw_get(self, path: str) -> tuple[int, bytes]:
        return self.transport.raw_get(path)

    def start(self) -> None:
        raise NotImplementedError("the in-process server is not started")

    def stop(self) -> None:
        self.client.close()


# ---- a live HTTP server thread ------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base's name)
        pass


class _ThreadedServer(ThreadedWSGIServer):
    """Django's threaded development server; each request thread uses the test database
    :attr:`LiveHttpThread.alias` names (its connection closed when the request is done)."""

    def __init__(self, owner: LiveHttpThread) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if self.owner.alias != DEFAULT_DB_ALIAS:
            connections[DEFAULT_DB_ALIAS] = connection_as_default(self.owner.alias)
        super().process_request_thread(request, client_address)


class LiveHttpThread:
    """The server over the test databases on a real socket (a thread of this process): for
    clients that need one, such as the unmodified crds client in a subprocess."""

    def __init__(self) -> None:
        self.alias = "default"
        self.httpd = _ThreadedServer(self)
        self.httpd.set_app(get_wsgi_application())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="opencrds-live-server")
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=30)


class LiveServer(Server):
    """A :class:`LiveHttpThread` with the interface of a subprocess server."""

    def __init__(self, observatory: str, backend: str, thread: LiveHttpThread,
                 log: LogCapture) -> None:
        super().__init__(observatory, backend, Path(settings.OPENCRDS_HOME), thread.port, {},
                         Path("/nonexistent/in-process.log"))
        self.log = log

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return manage(*args, check=check)

    def log_lines(self) -> list[str]:
        return list(self.log.lines)

    def start(self) -> None:
        raise NotImplementedError("the live server thread is started by its fixture")

    def stop(self) -> None:
        self.client.close()

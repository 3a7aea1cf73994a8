"""The gunicorn worker of ``opencrds serve``: gevent, with read timeouts for slow clients.

Each connection costs a greenlet, not a thread, so clients that are idle, or slow to send a
request or to read a response, do not hold up anyone else. gunicorn's ``keepalive`` setting
(``opencrds serve --read-timeout``) bounds what one connection may take:

- its next request's headers must arrive in full within that many seconds (the wait for them,
  idle time on a kept-alive connection included);
- the request body, buffered before the application sees it, must arrive in full within that
  many seconds of the headers (bodies larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are left to
  the views, which refuse them);
- any single wait for the client to send or to take bytes is bounded by it too.

A connection past one of these limits is closed (the body case answered with ``408``).

Django's database connections are per greenlet, i.e. per client connection. They are closed
when the client's connection ends, and right after a request while more than
``KEPT_DATABASE_CONNECTIONS`` client connections of the worker hold one, so many kept-alive
clients do not pile up idle PostgreSQL connections.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import gevent
from gunicorn.workers.ggevent import GeventWorker

log = logging.getLogger("opencrds.server")

KEPT_DATABASE_CONNECTIONS = 4

_TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain"
              b"\r\nContent-Length: 35\r\n\r\nrequest body not received in time.\n")


class _BodyTimeout(Exception):
    """The request body did not arrive within the read timeout."""


class Worker(GeventWorker):
    """gunicorn's gevent worker with a bounded body read and per-operation socket timeouts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.database_holders: set[Any] = set()  # greenlets keeping a database connection

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        try:
            super().handle(listener, client, addr)
        finally:
            self._release_database(always=True)

    def _release_database(self, always: bool) -> None:
        """Close this greenlet's database connections if it is done or too many are kept."""
        from django.db import connections

        current = gevent.getcurrent()
        if any(c.connection is not None for c in connections.all(initialized_only=True)):
            self.database_holders.add(current)
        if always or len(self.database_holders) > KEPT_DATABASE_CONNECTIONS:
            if current in self.database_holders:
                connections.close_all()
            self.database_holders.discard(current)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> bool:
        try:
            return self._handle_request(listener_name, req, sock, addr)
        finally:
            self._release_database(always=False)

    def _handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> bool:
        sock.settimeout(self.cfg.keepalive)
        try:
            self._buffer_body(req)
        except (_BodyTimeout, OSError) as exc:
            log.info("closed a connection from %s: %s", _peer(addr), exc or "read timed out")
            if isinstance(exc, _BodyTimeout):
                try:
                    sock.sendall(_TIMED_OUT)
                except OSError:
                    pass
            raise StopIteration from None
        try:
            return super().handle_request(listener_name, req, sock, addr)
        except TimeoutError:  # the client took nothing of the response for the read timeout
            log.info("closed a connection from %s: it stopped reading the response",
                     _peer(addr))
            raise StopIteration from None

    def _buffer_body(self, req: Any) -> None:
        """Read the whole request body (within the read timeout) before the application runs."""
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        chunked = any(name == "TRANSFER-ENCODING" and "chunked" in value.lower()
                      for name, value in req.headers)
        length = _content_length(req.headers)
        if req.body is None or (not chunked and not length) or (length or 0) > limit:
            return
        timeout = gevent.Timeout(self.cfg.keepalive, _BodyTimeout(
            f"request body not received within {self.cfg.keepalive:g} s"))
        with timeout:
            data = req.body.read(limit + 1)
        req.body = io.BytesIO(data)  # what is left of a larger chunked body is drained later


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name == "CONTENT-LENGTH":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _peer(addr: Any) -> str:
    return addr[0] if isinstance(addr, tuple) and addr else str(addr)

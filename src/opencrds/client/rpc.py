"""JSON-RPC 1.0 client of a CRDS server (PROTOCOL.md §1, §5) over httpx."""

from __future__ import annotations

import itertools
import os
import time
import uuid
from typing import Any

import httpx

from ..protocol.envelope import RpcFault, parse_response, request_body
from ..protocol.errors import ProtocolError
from ..rules.errors import CrdsError

SERVERLESS_URL = "https://crds-serverless-mode.stsci.edu"
DEFAULT_SERVERS = {obs: f"https://{obs}-crds.stsci.edu" for obs in ("hst", "jwst", "roman")}
_PROCESS_ID = uuid.uuid4()
_counter = itertools.count(1)


class ServiceError(CrdsError):
    """An RPC failed: transport error, HTTP error, or an error object from the server."""


class StatusChannelNotFoundError(ServiceError):
    """The server reported an unknown jpoll channel."""


class OwningProcessAbortedError(ServiceError):
    """The server asked the calling process to stop."""


def env_number(name: str, default: float) -> float:
    """The number in environment variable ``name``; ``default`` when unset or not a number."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def server_url(observatory: str | None = None) -> str:
    """``$CRDS_SERVER_URL``, else the observatory's STScI server, else serverless."""
    url = os.environ.get("CRDS_SERVER_URL")
    if url:
        return url
    return DEFAULT_SERVERS.get(observatory or "", SERVERLESS_URL)


def is_serverless(url: str) -> bool:
    return "serverless" in url or "server-less" in url


def _classify(method: str, message: str) -> ServiceError:
    if "Channel" in message and "not found" in message:
        return StatusChannelNotFoundError(message)
    if "External agent requested calling process termination." in message:
        return OwningProcessAbortedError(message)
    return ServiceError(f"CRDS jsonrpc failure '{method}' {message}")


class RpcClient:
    """Calls ``<url>/json/<method>/<id>/``; retries transport failures only (§1.6)."""

    def __init__(self, url: str | None = None, *, timeout: float | None = None,
                 retries: int | None = None, delay: float | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = (url or server_url()).removesuffix("/")
        self.timeout = timeout or env_number("CRDS_CLIENT_TIMEOUT_SECONDS", 3600)
        self.retries = max(1, int(retries or env_number("CRDS_CLIENT_RETRY_COUNT", 1)))
        self.delay = env_number("CRDS_CLIENT_RETRY_DELAY_SECONDS", 0) if delay is None else delay
        # plain http needs no CA bundle: loading it costs ~0.2 s of every command's start
        #: the message of the last failed call (why the server is taken to be offline)
        self.last_error: str | None = None
        self._client = httpx.Client(timeout=self.timeout, transport=transport,
                                    follow_redirects=False,
                                    verify=not self.url.startswith("http://"))

    @property
    def serverless(self) -> bool:
        return is_serverless(self.url)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, method: str, body: bytes, msg_id: str) -> httpx.Response:
        url = f"{self.url}/json/{method}/{msg_id}/"
        last: Exception | None = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.delay)
            try:
                response = self._client.post(url, content=body,
                                             headers={"Content-Type": "application/json"})
                response.raise_for_status()
                return response
            except httpx.HTTPError as exc:
                last = exc
        raise ServiceError(f"CRDS jsonrpc failure '{method}' {last}")

    def call(self, method: str, *params: Any) -> Any:
        """The decoded result of ``method(*params)``; ServiceError on any failure."""
        try:
            return self._call(method, *params)
        except ServiceError as exc:
            self.last_error = str(exc)
            raise

    def _call(self, method: str, *params: Any) -> Any:
        if self.serverless:
            raise ServiceError(f"Configured for server-less mode.  Skipping JSON RPC '{method}'")
        msg_id = f"opencrds-{_PROCESS_ID}-{next(_counter):08x}"
        response = self._post(method, request_body(method, params, msg_id), msg_id)
        try:
            answer = parse_response(response.content)
        except ProtocolError as exc:
            raise ServiceError(f"CRDS jsonrpc failure '{method}' {exc}") from None
        if isinstance(answer, RpcFault):
            raise _classify(method, answer.message)
        return answer

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *params: self.call(method, *params)

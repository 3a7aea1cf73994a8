"""Follow a submission's processing on its jpoll channel (PROTOCOL.md §7.5): poll JSON-RPC
``jpoll_pull_messages(key, since_id)``, log each message as crds does (``>> text``) and stop
at the ``done`` message, whose status and result URL end the monitoring."""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...client.rpc import ServiceError, StatusChannelNotFoundError
from ...rules.errors import CrdsError

log = logging.getLogger("opencrds")

COMPLETED, FAILED, CANCELLED = 0, 1, 3
STATUS_NAMES = {COMPLETED: "COMPLETED", FAILED: "FAILED", CANCELLED: "CANCELLED"}
#: Consecutive failed polls tolerated before monitoring gives up.
MAX_POLL_FAILURES = 5


class MonitorError(CrdsError):
    """The jpoll channel cannot be followed (bad messages, the server keeps failing)."""


@dataclass(frozen=True)
class Outcome:
    """How processing ended: the ``done`` status (0 ok, 1 failed, 3 cancelled) and the
    result page URL (``…/display_result/<id>``)."""

    status: int
    result: str

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, f"STATUS {self.status}")

    @property
    def results_id(self) -> str:
        """The last path segment of the result URL."""
        return self.result.rstrip("/").rsplit("/", 1)[-1]


def _text(data: Any) -> str:
    if isinstance(data, str):
        return html.unescape(data)
    return json.dumps(data) if not isinstance(data, (int, float)) else str(data)


def _done_data(data: Any) -> Mapping[str, Any]:
    if isinstance(data, str):
        try:
            data = json.loads(html.unescape(data))
        except ValueError:
            return {"status": FAILED, "result": html.unescape(data)}
    if not isinstance(data, Mapping):
        raise MonitorError(f"jpoll 'done' message data must be an object, got {data!r}")
    return data


def _outcome(kind: str, data: Any) -> Outcome:
    if kind == "done":
        values = _done_data(data)
        try:
            status = int(values.get("status", FAILED))
        except (TypeError, ValueError):
            raise MonitorError(f"jpoll 'done' message with a bad status: {data!r}") from None
        return Outcome(status, str(values.get("result") or ""))
    status = CANCELLED if kind == "cancel" else FAILED  # 'cancel' / 'fail' (crds's others)
    values = data if isinstance(data, Mapping) else {"result": _text(data)}
    return Outcome(status, str(values.get("result") or ""))


def handle_messages(messages: Iterable[Mapping[str, Any]], since_id: int
                    ) -> tuple[int, Outcome | None]:
    """Log ``messages`` in order; the new ``since_id`` (the largest id seen) and the outcome
    when a terminating message (``done``; ``cancel``/``fail`` too) came."""
    for message in messages:
        try:
            kind, data = str(message["type"]), message.get("data")
            since_id = max(since_id, int(message["id"]))
        except (KeyError, TypeError, ValueError):
            raise MonitorError(f"Bad jpoll message (needs integer 'id', 'type', 'data'): "
                               f"{message!r}") from None
        if kind == "log_message":
            log.info(">> %s", _text(data))
        elif kind == "verbose":
            log.debug(">> %s", _text(data))
        elif kind == "warning":
            log.warning(">> %s", _text(data))
        elif kind == "error":
            log.error(">> %s", _text(data))
        elif kind in ("done", "cancel", "fail"):
            outcome = _outcome(kind, data)
            log.info("Processing ended: %s %s", outcome.status_name, outcome.result)
            return since_id, outcome
        else:
            log.warning("Unknown message type %r in jpoll message: %r", kind, message)
    return since_id, None


def follow(client: Any, key: str, *, interval: float = 2.0,
           stop: Callable[[], str | None] | None = None,
           sleep: Callable[[float], None] = time.sleep) -> Outcome | None:
    """Poll ``client.call("jpoll_pull_messages", key, since_id)`` every ``interval`` seconds
    until a terminating message; None when ``stop()`` returns a reason first (logged)."""
    since_id, failures = 0, 0
    while True:
        try:
            messages = client.call("jpoll_pull_messages", key, str(since_id))
            failures = 0
        except StatusChannelNotFoundError:
            messages, failures = [], failures + 1  # the channel may not be there yet
            if failures > MAX_POLL_FAILURES:
                raise MonitorError(f"jpoll channel '{key}' not found") from None
        except ServiceError as exc:
            failures += 1
            if failures > MAX_POLL_FAILURES:
                raise MonitorError(f"Monitoring channel '{key}' failed: {exc}") from None
            log.debug("jpoll poll failed (%s); retrying", exc)
            messages = []
        if not isinstance(messages, list):
            raise MonitorError(f"jpoll_pull_messages answered {messages!r}, not a list")
        since_id, outcome = handle_messages(messages, since_id)
        if outcome is not None:
            return outcome
        if stop is not None and (reason := stop()):
            log.info("Monitoring stopped: %s", reason)
            return None
        sleep(interval)

"""Progress messages of a submission on its jpoll channel (PROTOCOL.md §7.5).

Uses :mod:`opencrds.server.submissions.jpoll.channels` when present; until then a small
stand-in writes the same :class:`JpollMessage` rows (types log_message, verbose, warning,
error, done). Every stream ends with exactly one ``done``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

log = logging.getLogger("opencrds.submissions")


class ProgressLike(Protocol):
    def log(self, text: str) -> None: ...
    def verbose(self, text: str) -> None: ...
    def warning(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...
    def done(self, status: int, result: str) -> None: ...


class _RowProgress:
    """The stand-in for ``jpoll.channels.Progress``: one JpollMessage row per message."""

    def __init__(self, key: str) -> None:
        self.key = key

    def _push(self, kind: str, data: Any) -> None:
        from ..models import JpollChannel, JpollMessage

        channel, _ = JpollChannel.objects.get_or_create(key=self.key)
        if kind != "done" and channel.messages.filter(type="done").exists():
            return
        JpollMessage.objects.create(channel=channel, type=kind, data=data)

    def log(self, text: str) -> None:
        self._push("log_message", text)

    def verbose(self, text: str) -> None:
        self._push("verbose", text)

    def warning(self, text: str) -> None:
        self._push("warning", text)

    def error(self, text: str) -> None:
        self._push("error", text)

    def done(self, status: int, result: str) -> None:
        from ..models import JpollChannel

        channel = JpollChannel.objects.filter(key=self.key).first()
        if channel is not None and channel.messages.filter(type="done").exists():
            return
        self._push("done", {"status": status, "result": result})


class _Silent:
    """Progress of a submission without a channel: logged only."""

    def log(self, text: str) -> None:
        log.info("%s", text)

    def verbose(self, text: str) -> None:
        log.debug("%s", text)

    def warning(self, text: str) -> None:
        log.warning("%s", text)

    def error(self, text: str) -> None:
        log.error("%s", text)

    def done(self, status: int, result: str) -> None:
        log.info("done %s %s", status, result)


def open_channel(user: Any = None) -> str:
    """A new jpoll channel's key (through ``jpoll.channels`` when present)."""
    try:
        from ..jpoll.channels import open_channel as jpoll_open
    except ImportError:
        from ..models import JpollChannel

        key = str(uuid.uuid4())
        JpollChannel.objects.create(key=key, user=user if getattr(user, "pk", None) else None)
        return key
    return jpoll_open(user)


class _Guarded:
    """A progress whose failures (a channel gone, a done already sent) never stop the work."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any) -> None:
            try:
                method(*args)
            except Exception as exc:  # noqa: BLE001 - progress is advisory
                log.warning("progress %s failed: %s", name, exc)
        return call


def progress_for(channel_key: str | None) -> ProgressLike:
    """The progress writer of a channel (silent without one)."""
    if not channel_key:
        return _Silent()
    try:
        from ..jpoll.channels import Progress
    except ImportError:
        return _Guarded(_RowProgress(channel_key))  # type: ignore[return-value]
    return _Guarded(Progress(channel_key))  # type: ignore[return-value]

"""Progress messages of a submission on its jpoll channel (PROTOCOL.md §7.5).

Writes through :mod:`opencrds.server.submissions.jpoll.channels`; a failing write is logged and
never stops the work. Every stream ends with exactly one ``done``.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ..jpoll.channels import Progress

log = logging.getLogger("opencrds.submissions")


class ProgressLike(Protocol):
    def log(self, text: str) -> None: ...
    def verbose(self, text: str) -> None: ...
    def warning(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...
    def done(self, status: int, result: str) -> None: ...


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
    return _Guarded(Progress(channel_key))  # type: ignore[return-value]

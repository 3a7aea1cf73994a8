"""What every ``opencrds`` command shares: logging in the CRDS line format, message counters
and the error a command raises to stop with a one-line message (TOOLS.md §1.7)."""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from ..cache.paths import env_flag
from ..rules.errors import CrdsError

if TYPE_CHECKING:
    from ..protocol import ServerInfo

LOGGER_NAME = "opencrds"
log = logging.getLogger(LOGGER_NAME)

#: ``CRDS - <LEVEL> -  <message>``: the CRDS format, two spaces after the last dash.
LOG_FORMAT = "CRDS - %(levelname)s -  %(message)s"


#: Exit status of a run stopped by a FATAL error (CRDS's ``log.fatal_error``).
FATAL = 255


def server_required(url: str) -> int:
    """Log CRDS's FATAL line for a command that needs the server at ``url``; return FATAL."""
    log.error("(FATAL) Failed connecting to CRDS server at CRDS_SERVER_URL = %r :: "
              "Required server connection unavailable.", url)
    return FATAL


def connected_server_info(observatory: str, client: Any) -> ServerInfo | None:
    """Server info fetched with ``client`` (an ``RpcClient``) from a live server; None after
    logging the FATAL line when the server cannot be reached."""
    from ..client.serverinfo import fetch_server_info

    try:
        info = fetch_server_info(observatory, client)
    except CrdsError as exc:
        log.error("(FATAL) %s", exc)
        return None
    if not info.connected:
        server_required(client.url)
        return None
    return info


class ToolError(CrdsError):
    """A command cannot go on (unreadable input, wrong kind of argument).

    The dispatcher prints it as one ERROR line and exits 1; ``--debug-traceback`` shows the
    traceback instead.
    """


class _CountingHandler(logging.Handler):
    """Counts every message by level, including those the verbosity hides (as CRDS does)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1


_counter = _CountingHandler()
_stream_handler: logging.Handler | None = None
_saved_state: tuple[int, bool] | None = None


def level_for(verbosity: int) -> int:
    """The logging level shown at a CRDS verbosity: >0 debug, 0 info, -1 warnings, -2 errors,
    -3 and below nothing."""
    if verbosity > 0:
        return logging.DEBUG
    return {0: logging.INFO, -1: logging.WARNING, -2: logging.ERROR}.get(
        verbosity, logging.CRITICAL + 10)


def env_verbosity() -> int:
    """The starting verbosity from ``CRDS_VERBOSITY`` (0 when unset or not an integer)."""
    try:
        return int(os.environ.get("CRDS_VERBOSITY", "0"))
    except ValueError:
        return 0


class _CrdsFormatter(logging.Formatter):
    """The CRDS line, with the optional time prefix (``CRDS_LOG_TIME``) and running message
    number (``CRDS_ADD_LOG_MSG_COUNTER``: ``CRDS - INFO - (0000001) - message``)."""

    def __init__(self, *, log_time: bool, counter: bool) -> None:
        super().__init__(f"%(asctime)s - {LOG_FORMAT}" if log_time else LOG_FORMAT)
        self.counter = counter

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        text = super().formatMessage(record)
        if not self.counter:
            return text
        number = sum(_counter.counts.values()) + 1
        head, _, message = text.partition(" -  ")
        return f"{head} - ({number:07d}) - {message}"


def setup_logging(verbosity: int = 0, stream: TextIO | None = None, *,
                  log_time: bool = False) -> None:
    """Send ``opencrds`` log messages to ``stream`` (stderr) and reset the counters;
    ``log_time`` starts each line with the date and time.

    ``restore_logging`` undoes it, so a command run in-process leaves logging as it was.
    """
    global _stream_handler, _saved_state
    restore_logging()
    _saved_state = (log.level, log.propagate)
    _stream_handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    _stream_handler.setFormatter(_CrdsFormatter(
        log_time=log_time or env_flag("CRDS_LOG_TIME"),
        counter=env_flag("CRDS_ADD_LOG_MSG_COUNTER")))
    _stream_handler.setLevel(level_for(verbosity))
    log.addHandler(_stream_handler)
    log.addHandler(_counter)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    _counter.counts.clear()


def restore_logging() -> None:
    """Remove the handlers ``setup_logging`` added and restore the logger's level."""
    global _stream_handler, _saved_state
    if _stream_handler is not None:
        log.removeHandler(_stream_handler)
        _stream_handler = None
    log.removeHandler(_counter)
    if _saved_state is not None:
        log.setLevel(_saved_state[0])
        log.propagate = _saved_state[1]
        _saved_state = None


def count(level: str) -> int:
    """How many messages of ``level`` ('ERROR', 'WARNING', 'INFO', 'DEBUG') were logged."""
    return _counter.counts[level]


def log_times(started: datetime, stopped: datetime) -> float:
    """The ``STARTED``, ``STOPPED`` and ``ELAPSED`` lines of ``--stats`` (CRDS layout); the
    elapsed seconds."""
    seconds = max((stopped - started).total_seconds(), 1e-9)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    log.info("STARTED %s", started.strftime("%Y-%m-%d %H:%M:%S.%f")[:-4])
    log.info("STOPPED %s", stopped.strftime("%Y-%m-%d %H:%M:%S.%f")[:-4])
    log.info("ELAPSED %d:%02d:%05.2f", hours, minutes, secs)
    return seconds


def log_summary() -> None:
    """The closing ``N errors`` / ``N warnings`` / ``N infos`` lines (INFO, TOOLS.md §1.7).

    The counts are taken before the summary is logged, so its own lines are not counted."""
    errors, warnings, infos = count("ERROR"), count("WARNING"), count("INFO")
    log.info("%d errors", errors)
    log.info("%d warnings", warnings)
    log.info("%d infos", infos)


def one_line(exc: BaseException) -> str:
    """An exception as a single line of text."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if isinstance(exc, CrdsError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

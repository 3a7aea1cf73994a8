"""One log line per error, never a traceback, whatever a client sends.

Django logs a refused or failed request (4xx/5xx) with the exception's whole traceback;
:class:`OneLineFilter`, on the server's log handler, folds it into the message line instead:
the exception, its text and where it was raised. ``OPENCRDS_LOG_LEVEL=DEBUG`` keeps full
tracebacks. Client-supplied text goes through :func:`one_line` so it can never break or forge
a line.
"""

from __future__ import annotations

import logging
import os

from django.http import HttpResponseBase


def one_line(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters with control characters escaped."""
    return text[:limit].encode("unicode_escape").decode("ascii")


def raised_at(exc: BaseException) -> str:
    """``file.py:line in function`` of the innermost frame of ``exc``'s traceback."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    code = tb.tb_frame.f_code
    return f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} in {code.co_name}"


def mark_logged(response: HttpResponseBase) -> HttpResponseBase:
    """Tell Django the response's error was logged already (no second line)."""
    response._has_been_logged = True  # type: ignore[attr-defined]  (django.utils.log)
    return response


class OneLineFilter(logging.Filter):
    """A logging filter: a record's traceback becomes ``(Error: text at file:line)`` on its
    message line, and a multi-line message is escaped onto one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if os.environ.get("OPENCRDS_LOG_LEVEL", "").upper() == "DEBUG":
            return True
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message += (f" ({type(exc).__name__}: {one_line(str(exc), 300)} at "
                        f"{raised_at(exc)})")
        if record.exc_info or record.stack_info or "\n" in message:
            record.msg, record.args = message.replace("\n", "\\n"), None
            record.exc_info = record.exc_text = record.stack_info = None
        return True

"""Confirm or cancel a processed submission (PROTOCOL.md §7.3 steps 11–12): ``GET`` its
result page for the CSRF cookie, then ``POST /submit_confirm_pipeline/``."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from .session import CSRF_FIELD, WebSession

log = logging.getLogger("opencrds")
CONFIRM_PATH = "/submit_confirm_pipeline/"


def result_path(result_url: str) -> str:
    """The server path of a result URL: its last two path segments
    (``…//display_result/<id>`` -> ``/display_result/<id>``)."""
    segments = [part for part in urlsplit(result_url).path.split("/") if part]
    return "/" + "/".join(segments[-2:]) if len(segments) >= 2 else "/display_result/"


def results_id(result_url: str) -> str:
    """The submission's result id: the last path segment of its result URL."""
    segments = [part for part in urlsplit(result_url).path.split("/") if part]
    return segments[-1] if segments else ""


def confirm_or_cancel(session: WebSession, result_url: str, confirm: bool) -> httpx.Response:
    """Confirm (``confirm``) or cancel the submission of ``result_url``; the answer page."""
    page = session.get(result_path(result_url))
    token = session.csrf_token(page)
    button = "confirm" if confirm else "cancel"
    response = session.post(CONFIRM_PATH, data={"results_id": results_id(result_url),
                                                "button": button, CSRF_FIELD: token})
    log.info("Submission %s %s.", results_id(result_url),
             "confirmed" if confirm else "cancelled")
    return response

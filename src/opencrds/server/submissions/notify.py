"""Submission e-mails (SERVER.md §4.5): STARTED, READY, BAD FILES, FAIL, DONE, CONFIRMED,
FORCED, CANCELLED, plain text with the result page's URL, to the submitter, the
``OPENCRDS_NOTIFY_EMAILS`` addresses and a ReDCaT form's ``other_email``. A mail that cannot be
sent is logged, never an error of the submission."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.mail import send_mail

from .models import Submission

log = logging.getLogger("opencrds.submissions")


def recipients(submission: Submission) -> list[str]:
    """Who hears about ``submission`` (no duplicates, in order)."""
    found = []
    user = submission.user
    if user is not None and getattr(user, "email", ""):
        found.append(user.email)
    found += list(getattr(settings, "OPENCRDS_NOTIFY_EMAILS", []) or [])
    other = submission.parameters.get("other_email", "")
    if isinstance(other, str):
        found += [a for a in re.split(r"[\s,;]+", other) if "@" in a]
    elif isinstance(other, list):
        found += [str(a) for a in other if "@" in str(a)]
    return list(dict.fromkeys(found))


def message(submission: Submission, status: str, reason: str = "") -> tuple[str, str]:
    """(subject, body) of the ``status`` e-mail."""
    from .processing.run import result_url

    subject = (f"[OpenCRDS {submission.observatory}] {status.upper()} "
               f"{submission.get_kind_display()} {submission.pk}")
    result = submission.result or {}
    lines = [f"Submission {submission.pk} is {status.upper()}.", "",
             f"Kind: {submission.get_kind_display()}",
             f"Submitter: {submission.username}",
             f"Instrument: {submission.instrument or '-'}",
             f"Description: {submission.description}",
             f"Starting context: {submission.derive_from or '-'}"]
    if reason:
        lines.append(f"Reason: {reason}")
    files = result.get("files") or []
    if files:
        lines += ["", "Files:"] + [f"  {f.get('uploaded')} --> {f.get('name')}  "
                                   f"{f.get('status')}" for f in files]
    if result.get("generated"):
        lines += ["", "Generated mappings:"] + [f"  {n}" for n in result["generated"]]
    if result.get("errors"):
        lines += ["", "Errors:"] + [f"  {e}" for e in result["errors"]]
    lines += ["", f"Results: {result_url(submission)}", ""]
    return subject, "\n".join(lines)


def notify(submission: Submission, status: str, reason: str = "") -> int:
    """Send the ``status`` e-mail of ``submission``; how many were sent (0 on failure)."""
    to = recipients(submission)
    if not to:
        return 0
    subject, body = message(submission, status, reason)
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except Exception as exc:  # noqa: BLE001 - a mail server down never fails a delivery
        log.warning("e-mail %r to %s not sent: %s", subject, to, exc)
        return 0

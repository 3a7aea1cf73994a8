"""What the search forms of the site share: ``*`` or blank ignores a field, and dates."""

from __future__ import annotations

import datetime

from django import forms

ANY = "*"


def filter_date(text: str, label: str = "", *, end: bool = False) -> datetime.datetime | None:
    """A date filter: blank or ``*`` is none; ``YYYY-MM-DD`` (or with ``/``) or an ISO time.
    A bare day given as the ``end`` of a range covers that whole day (compare with ``<=``).
    Times without a zone are UTC. A bad value is a form error (naming ``label`` if given)."""
    text = (text or "").strip()
    if text in ("", ANY):
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        prefix = f"{label}: " if label else ""
        raise forms.ValidationError(
            f"{prefix}'{text}' is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)") from None
    if end and len(text) <= 10:
        value += datetime.timedelta(days=1) - datetime.timedelta(microseconds=1)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)

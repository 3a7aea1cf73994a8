"""What the account commands share: the observatory a grant is for, errors as CommandError."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.core.management.base import CommandError

from opencrds.rules.errors import CrdsError


def observatory(given: str | None) -> str:
    """``--observatory``, else the one this server serves."""
    if given:
        return given.lower()
    from opencrds.server.accounts import served

    try:
        return served.observatory()
    except CrdsError as exc:
        raise CommandError(f"give --observatory ({exc})") from None


@contextlib.contextmanager
def command_errors() -> Iterator[None]:
    """Domain errors as the command's error message."""
    try:
        yield
    except CrdsError as exc:
        raise CommandError(str(exc)) from None

"""Who may do what: the permission questions every view asks, and view decorators.

* admin: a superuser;
* operator: a superuser, or a user with the permission ``accounts.operate_catalog`` (set
  contexts, mark files bad, force deliveries);
* submitter for an instrument: an operator, or a user with ``accounts.submit_files`` and an
  :class:`~.models.InstrumentGrant` for that instrument (or ``*``) of the observatory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import ALL_INSTRUMENTS, InstrumentGrant

SUBMIT_PERMISSION = "accounts.submit_files"
OPERATE_PERMISSION = "accounts.operate_catalog"


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    """An active superuser."""
    return _active(user) and bool(user.is_superuser)


def is_operator(user: Any) -> bool:
    """A superuser or a holder of ``accounts.operate_catalog``."""
    return is_admin(user) or (_active(user) and user.has_perm(OPERATE_PERMISSION))


def may_submit(user: Any, observatory: str, instrument: str) -> bool:
    """May ``user`` deliver files for ``instrument`` of ``observatory``? (operators always;
    ``none``, no instrument, only operators)."""
    if is_operator(user):
        return True
    if not _active(user) or instrument in ("", "none") or not user.has_perm(SUBMIT_PERMISSION):
        return False
    return InstrumentGrant.objects.filter(
        user=user, observatory=observatory,
        instrument__in=(instrument.lower(), ALL_INSTRUMENTS)).exists()


def granted_instruments(user: Any, observatory: str) -> list[str]:
    """The instruments ``user`` has grants for (``*`` for all)."""
    if not _active(user):
        return []
    return list(InstrumentGrant.objects.filter(user=user, observatory=observatory)
                .values_list("instrument", flat=True))


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page, with the error in the ``error_message`` div clients scrape."""
    return render(request, "accounts/forbidden.html", {"error_message": message}, status=403)


View = Callable[..., HttpResponse]


def _login_redirect(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


def login_required_page(view: View) -> View:
    """Anonymous GET (or HEAD) → redirect to ``/login/?next=...``; anonymous POST → 403 page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _active(request.user):
            return view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            return _login_redirect(request)
        return forbidden(request, "You are not logged in: log in and try again.")

    return wrapped


def operator_required(view: View) -> View:
    """Like :func:`login_required_page`, then a 403 page for users who are not operators."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_operator(request.user):
            return view(request, *args, **kwargs)
        return forbidden(request, f"User '{request.user.get_username()}' is not an operator.")

    return login_required_page(wrapped)

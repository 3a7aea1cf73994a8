"""``/login/``, ``/logout/`` and ``/lock_status/<user>/``.

The login form is the one ``crds submit`` drives (PROTOCOL.md §7.2-§7.3): GET sets the
``csrftoken`` cookie; POST takes ``username``, ``password`` (a password or an API token; the
``ASB-AUTH`` cookie stands for an empty password), ``instrument`` (or ``none``) and ``next``.
A refused login is the form again, status 200, with the reason in the ``error_message`` div.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from opencrds.rules.errors import CrdsError

from . import locks, roles, served

#: The cookie ``crds submit`` sets to its MAST token.
TOKEN_COOKIE = "ASB-AUTH"
NO_INSTRUMENT = "none"


def _safe_next(request: HttpRequest, target: str) -> str:
    """``target`` if it stays on this site, else ``/``."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/"


def _served() -> tuple[str, list[str]]:
    """The observatory served and the instruments a login may lock (none when the catalog
    is still empty)."""
    try:
        observatory = served.observatory()
    except CrdsError:
        return "", []
    return observatory, served.instruments(observatory)


def _login_page(request: HttpRequest, error: str = "", **values: Any) -> HttpResponse:
    observatory, instruments = _served()
    held = locks.current_lock(request.user) if request.user.is_authenticated else None
    context = {"observatory": observatory, "instruments": [*instruments, NO_INSTRUMENT],
               "error_message": error,
               "next": values.get("next", request.GET.get("next", "")),
               "username": values.get("username", ""),
               "instrument": values.get("instrument") or (held.instrument if held else "")}
    return render(request, "accounts/login.html", context)


def _log_in(request: HttpRequest) -> str | None:
    """Log the POSTed user in with the lock asked for: None, or why not."""
    username = request.POST.get("username", "").strip()
    password = request.POST.get("password", "") or request.COOKIES.get(TOKEN_COOKIE, "")
    instrument = request.POST.get("instrument", NO_INSTRUMENT).strip().lower() or NO_INSTRUMENT
    observatory, instruments = _served()
    if not username or not password:
        return "Give a user name and a password (or API token)."
    if instrument != NO_INSTRUMENT and instrument not in instruments:
        return f"Unknown instrument '{instrument}' for {observatory.upper()}."
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            return "Too many failed logins: try again later."
        return "Invalid user name or password (or API token)."
    if instrument == NO_INSTRUMENT:
        if locks.current_lock(user) is not None:
            locks.release(user, "login")
    else:
        if not roles.may_submit(user, observatory, instrument):
            return f"User '{username}' may not submit files for instrument '{instrument}'."
        try:
            locks.acquire(user, observatory, instrument)
        except locks.LockError as exc:
            return str(exc)
    login(request, user)
    return None


@never_cache
@ensure_csrf_cookie
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The login form; POST logs in and locks the instrument chosen."""
    if request.method != "POST":
        return _login_page(request)
    error = _log_in(request)
    target = request.POST.get("next", "")
    if error:
        return _login_page(request, error, next=target,
                           username=request.POST.get("username", ""),
                           instrument=request.POST.get("instrument", ""))
    return HttpResponseRedirect(_safe_next(request, target))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Release the lock (cancelling unconfirmed submissions), log out, back to ``/``."""
    if request.user.is_authenticated:
        locks.release(request.user, "logout")
    logout(request)
    return HttpResponseRedirect("/")


@never_cache
@require_http_methods(["GET", "HEAD"])
def lock_status(request: HttpRequest, username: str) -> JsonResponse:
    """The lock ``username`` holds, as JSON (PROTOCOL.md §7.3)."""
    return JsonResponse(locks.lock_status(username))

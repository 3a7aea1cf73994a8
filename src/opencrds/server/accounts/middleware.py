"""Every authenticated request renews its user's instrument lock; a lock found expired is
released (reason ``"expired"``) and the user is logged out."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from . import locks


class LockActivityMiddleware:
    """After ``AuthenticationMiddleware``: one UPDATE per authenticated request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            outcome = locks.touch(user)
            if outcome == "expired":
                logout(request)
        return self.get_response(request)

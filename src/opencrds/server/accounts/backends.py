"""Authentication: a user's password or one of their active API tokens.

``crds submit`` sends the user name and its ``MAST_API_TOKEN`` as the password of the login
form (PROTOCOL.md §8); people log in with their password. django-axes runs before this
backend (``AUTHENTICATION_BACKENDS``) and refuses logins while a user or address is locked out.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from . import tokens


class PasswordOrTokenBackend(ModelBackend):
    """A user's password or one of their API tokens (not revoked, not expired)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        model = get_user_model()
        if username is None:
            username = kwargs.get(model.USERNAME_FIELD)
        if not username or not password:
            return None
        try:
            user = model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            model().set_password(password)  # as long as a wrong password (timing)
            return None
        if not self.user_can_authenticate(user):
            return None
        if tokens.check(user, password) is not None or user.check_password(password):
            return user
        return None

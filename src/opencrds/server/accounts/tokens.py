"""Personal API tokens: passwords for scripted clients (``crds submit`` sends one as
``MAST_API_TOKEN``).

A token is shown once, when issued; the database keeps its SHA-256 and its first characters
(``prefix``), which name it in lists and in :func:`revoke`. Every token write of the server
is a function of this module.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from opencrds.rules.errors import CrdsError

from .models import ApiToken

#: How many leading characters of a token are kept to name it.
PREFIX_LENGTH = 11  # "ocr" and 8 random characters


class TokenError(CrdsError):
    """A token request that cannot be carried out (no such token, bad lifetime)."""


def digest(key: str) -> str:
    """The SHA-256 (hex) of a token, as stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue(user: Any, name: str = "", days: float | None = None) -> str:
    """A new token for ``user`` (valid ``days`` days, or until revoked): the only time its
    text is known."""
    if days is not None and days <= 0:
        raise TokenError(f"a token must last a positive number of days, not {days}")
    key = "ocr" + secrets.token_urlsafe(32)  # never starts with "-": it is a command argument
    now = timezone.now()
    ApiToken.objects.create(user=user, name=name[:64], prefix=key[:PREFIX_LENGTH],
                            key_hash=digest(key), created=now,
                            expires=now + datetime.timedelta(days=days) if days else None)
    return key


def active(user: Any) -> QuerySet[ApiToken]:
    """``user``'s tokens that are neither revoked nor expired."""
    return (ApiToken.objects.filter(user_id=user.pk, revoked=False)
            .filter(Q(expires__isnull=True) | Q(expires__gt=timezone.now())))


def check(user: Any, key: str) -> ApiToken | None:
    """The active token of ``user`` whose text is ``key`` (its ``last_used`` updated), or
    None."""
    if not key:
        return None
    wanted = digest(key)
    for token in active(user):
        if hmac.compare_digest(token.key_hash, wanted):
            ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
            return token
    return None


def revoke(user: Any, prefix: str | None = None) -> int:
    """Revoke ``user``'s tokens starting with ``prefix`` (None: all); how many were revoked.
    :class:`TokenError` if a prefix matches no active token."""
    with transaction.atomic():
        tokens = ApiToken.objects.filter(user_id=user.pk, revoked=False)
        if prefix is not None:
            if not prefix:
                raise TokenError("give the prefix of the token to revoke")
            tokens = tokens.filter(prefix__startswith=prefix[:PREFIX_LENGTH])
        count = tokens.update(revoked=True)
    if prefix is not None and not count:
        raise TokenError(f"user '{user.get_username()}' has no active token '{prefix}'")
    return count


def revoke_ids(ids: list[int]) -> int:
    """Revoke the tokens with these primary keys (the admin's action)."""
    return ApiToken.objects.filter(pk__in=ids, revoked=False).update(revoked=True)

"""Account changes: users, what they may submit, operators. Management commands and the admin
call these and never write models themselves (tokens: :mod:`.tokens`; locks: :mod:`.locks`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from opencrds.rules.errors import CrdsError

from .models import ALL_INSTRUMENTS, InstrumentGrant

_INSTRUMENT = re.compile(r"[a-z][a-z0-9_]{0,31}")


class AccountError(CrdsError):
    """An account change that cannot be made (unknown user, bad instrument name)."""


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="accounts", codename=codename)


def find_user(username: str) -> Any:
    """The user named ``username``; :class:`AccountError` if there is none."""
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None:
        raise AccountError(f"no user '{username}'")
    return user


def _instruments(instruments: Iterable[str], all_instruments: bool) -> list[str]:
    names = [ALL_INSTRUMENTS] if all_instruments else []
    for name in instruments:
        name = name.strip().lower()
        if name != ALL_INSTRUMENTS and not _INSTRUMENT.fullmatch(name):
            raise AccountError(f"'{name}' is not an instrument name")
        names.append(name)
    return list(dict.fromkeys(names))


def grant(user: Any, observatory: str, instruments: Iterable[str] = (), *,
          all_instruments: bool = False, operator: bool = False, revoke: bool = False
          ) -> list[str]:
    """Give ``user`` (or take back, ``revoke``) submission rights for ``instruments`` of
    ``observatory`` (``all_instruments``: ``*``) and, with ``operator``, the operator
    permission; the instruments ``user`` may submit for afterwards."""
    names = _instruments(instruments, all_instruments)
    submit, operate = _permission("submit_files"), _permission("operate_catalog")
    with transaction.atomic():
        if revoke:
            if names:
                InstrumentGrant.objects.filter(user=user, observatory=observatory,
                                               instrument__in=names).delete()
            if operator:
                user.user_permissions.remove(operate)
            if not InstrumentGrant.objects.filter(user=user).exists():
                user.user_permissions.remove(submit)
        else:
            for name in names:
                InstrumentGrant.objects.get_or_create(user=user, observatory=observatory,
                                                      instrument=name)
            if names:
                user.user_permissions.add(submit)
            if operator:
                user.user_permissions.add(operate)
    return sorted(InstrumentGrant.objects.filter(user=user, observatory=observatory)
                  .values_list("instrument", flat=True))


def add_user(username: str, email: str, observatory: str, *, password: str | None = None,
             instruments: Iterable[str] = (), all_instruments: bool = False,
             operator: bool = False) -> tuple[Any, bool]:
    """Create (or update) the user ``username`` and grant it ``instruments``; ``(user,
    created)``. ``password`` None: a new user gets an unusable one (tokens only), an existing
    user keeps theirs."""
    if not username:
        raise AccountError("a user needs a name")
    model = get_user_model()
    with transaction.atomic():
        user, created = model._default_manager.get_or_create(username=username,
                                                             defaults={"email": email})
        if email:
            user.email = email
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        grant(user, observatory, instruments, all_instruments=all_instruments,
              operator=operator)
    return user, created

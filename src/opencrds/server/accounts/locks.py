"""Instrument locks (SERVER.md §1.11, §2.4): one instrument per user, one user per instrument.

A lock lasts ``settings.OPENCRDS_LOCK_TIMEOUT`` (a timedelta or seconds; 4 h by default, the
``OPENCRDS_LOCK_TIMEOUT`` environment variable) after the holder's last activity: every
authenticated request renews it (:mod:`.middleware`). A lock found expired is released, with
the signal :data:`~.signals.lock_released` (reason ``"expired"``).

Acquiring relies on the database's unique constraint ``one_lock_per_instrument`` inside a
transaction, so of two users taking one instrument at once only one gets it; the same user
logging in again (another browser) takes their own lock over. Every lock write of the server
is a function of this module.
"""

from __future__ import annotations

import datetime
import logging
import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from opencrds.rules.errors import CrdsError

from .models import InstrumentLock
from .signals import lock_released

log = logging.getLogger(__name__)


class LockError(CrdsError):
    """An instrument lock cannot be taken, or the user does not hold the one needed."""


def lock_timeout() -> datetime.timedelta:
    """How long a lock lasts after its holder's last activity."""
    value = settings.OPENCRDS_LOCK_TIMEOUT
    if isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(seconds=float(value))


def is_expired(lock: InstrumentLock, now: datetime.datetime | None = None) -> bool:
    return time_remaining(lock, now) <= datetime.timedelta(0)


def time_remaining(lock: InstrumentLock, now: datetime.datetime | None = None
                   ) -> datetime.timedelta:
    """What is left of ``lock`` (negative once expired)."""
    return lock.last_activity + lock_timeout() - (now or timezone.now())


def format_remaining(remaining: datetime.timedelta) -> str:
    """``3:57:58``: whole seconds (rounded up: a fresh 4 h lock shows ``4:00:00``), never
    negative."""
    return str(datetime.timedelta(seconds=max(0, math.ceil(remaining.total_seconds()))))


def _held(user: Any) -> InstrumentLock | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return InstrumentLock.objects.select_related("user").filter(user_id=user.pk).first()


def _notify(user: Any, reason: str) -> None:
    """Send :data:`lock_released`; a failing receiver is logged and does not undo the release."""
    for receiver, result in lock_released.send_robust(sender=InstrumentLock, user=user,
                                                      reason=reason):
        if isinstance(result, Exception):
            log.error("lock_released receiver %r failed for user '%s': %s", receiver,
                      user.get_username(), result, exc_info=result)


def current_lock(user: Any) -> InstrumentLock | None:
    """The lock ``user`` holds, or None (an expired one is released first)."""
    lock = _held(user)
    if lock is not None and is_expired(lock):
        release(user, "expired")
        return None
    return lock


def _describe(lock: InstrumentLock) -> str:
    return (f"Instrument '{lock.instrument}' is locked by '{lock.user.get_username()}' "
            f"({format_remaining(time_remaining(lock))} remaining)")


def acquire(user: Any, observatory: str, instrument: str) -> InstrumentLock:
    """Lock ``instrument`` of ``observatory`` for ``user`` (renewed if they hold it already,
    moved if they hold another one); :class:`LockError` if another user holds it."""
    instrument = instrument.lower()
    if instrument in ("", "none"):
        raise LockError("'none' is not an instrument: nothing to lock")
    for _attempt in range(3):  # a lock released or taken meanwhile: look again
        other = (InstrumentLock.objects.select_related("user")
                 .filter(observatory=observatory, instrument=instrument)
                 .exclude(user_id=user.pk).first())
        if other is not None:
            if not is_expired(other):
                raise LockError(_describe(other))
            release(other.user, "expired")
        mine = current_lock(user)  # their own expired lock is released (and says so)
        if mine is not None and (mine.observatory, mine.instrument) != (observatory, instrument):
            release(user, "login")  # one instrument at a time: the new login decides
            mine = None
        now = timezone.now()
        try:
            with transaction.atomic():
                if mine is None:
                    lock = InstrumentLock.objects.create(
                        user=user, observatory=observatory, instrument=instrument,
                        created_on=now, last_activity=now)
                    log.info("user '%s' locked %s %s", user.get_username(), observatory,
                             instrument)
                else:  # the same user again (another browser): takes their own lock over
                    if not InstrumentLock.objects.filter(pk=mine.pk).update(
                            created_on=now, last_activity=now):
                        continue  # released meanwhile
                    mine.refresh_from_db()
                    lock = mine
            return lock
        except IntegrityError:
            continue
    other = (InstrumentLock.objects.select_related("user")
             .filter(observatory=observatory, instrument=instrument).first())
    raise LockError(_describe(other) if other is not None
                    else f"Instrument '{instrument}' could not be locked; try again")


def touch(user: Any) -> str:
    """Renew ``user``'s lock: ``"renewed"``, ``"none"`` (they hold none) or ``"expired"`` (it
    had expired, and is released now)."""
    if user is None or not getattr(user, "pk", None):
        return "none"
    now = timezone.now()
    if InstrumentLock.objects.filter(user_id=user.pk, last_activity__gt=now - lock_timeout()
                                     ).update(last_activity=now):
        return "renewed"
    lock = _held(user)
    if lock is None or not is_expired(lock):  # none, or taken afresh meanwhile
        return "none" if lock is None else "renewed"
    release(user, "expired")
    return "expired"


def renew(user: Any) -> InstrumentLock | None:
    """Restart the countdown of ``user``'s lock; None if they hold none (or it had expired,
    which releases it)."""
    return _held(user) if touch(user) == "renewed" else None


def release(user: Any, reason: str) -> bool:
    """Release ``user``'s lock (True if there was one) and send :data:`lock_released`."""
    deleted, _ = InstrumentLock.objects.filter(user_id=user.pk).delete()
    if deleted:
        log.info("user '%s' released their lock (%s)", user.get_username(), reason)
    _notify(user, reason)
    return bool(deleted)


def require_lock(user: Any, observatory: str, instrument: str) -> InstrumentLock:
    """The lock ``user`` holds on ``instrument``; :class:`LockError` unless they hold it."""
    lock = current_lock(user)
    name = getattr(user, "get_username", lambda: "?")()
    if lock is None:
        raise LockError(f"User '{name}' holds no instrument lock: log in again "
                        f"with instrument '{instrument}'")
    if (lock.observatory, lock.instrument) != (observatory, instrument.lower()):
        raise LockError(f"User '{name}' holds the lock of instrument '{lock.instrument}', "
                        f"not '{instrument}'")
    return lock


def lock_status(username: str) -> dict[str, Any]:
    """The ``/lock_status/<user>/`` answer (PROTOCOL.md §7.3); ``name`` is always there."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(username=username).first()
    lock = current_lock(user) if user is not None else None
    if lock is None:
        return {"name": "", "type": "instrument", "user": username, "created_on": "",
                "time_remaining": "", "is_expired": False, "status": "error",
                "exception": "no lock found."}
    return {"name": lock.instrument, "type": "instrument", "user": username,
            "created_on": _format_date(lock.created_on),
            "time_remaining": format_remaining(time_remaining(lock)),
            "is_expired": False, "status": "ok"}


def _format_date(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")

"""Signals of the accounts app.

``lock_released(sender, user, reason)``: a user's instrument lock was released (``reason``:
``"logout"``, ``"expired"``, ``"login"`` when a new login replaced it, ``"operator"`` when an
operator cleared it, ``"admin"``). It is also sent by a logout when the user held no lock, so
receivers (the submissions app cancels the user's unconfirmed submissions) need not care
whether there was one.
"""

from django.dispatch import Signal

lock_released = Signal()

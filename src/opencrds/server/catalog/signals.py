"""Bump the catalog revision when a catalog row is changed outside the services.

The services (:mod:`.services`) bump it themselves, once per change, inside
:func:`explicit_revision_bumps`; rows saved or deleted anywhere else (the admin's change forms,
``manage shell``) bump it here, so no cache outlives the catalog it was computed from.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import BuildContext, CatalogRevision, ContextHistory, DefaultContext, FileRecord

_WATCHED = (FileRecord, ContextHistory, DefaultContext, BuildContext)
_explicit = contextvars.ContextVar("opencrds_explicit_revision_bumps", default=False)


@contextlib.contextmanager
def explicit_revision_bumps() -> Iterator[None]:
    """Within this block the caller bumps the revision itself (no bump per saved row)."""
    token = _explicit.set(True)
    try:
        yield
    finally:
        _explicit.reset(token)


@receiver(post_save)
@receiver(post_delete)
def bump_revision(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender in _WATCHED and not _explicit.get():
        CatalogRevision.bump(instance.observatory)

"""Bump the catalog revision whenever a catalog row changes (admin edits, RPC pushes...)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import BuildContext, CatalogRevision, ContextHistory, DefaultContext, FileRecord

_WATCHED = (FileRecord, ContextHistory, DefaultContext, BuildContext)


@receiver(post_save)
@receiver(post_delete)
def bump_revision(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender in _WATCHED:
        CatalogRevision.bump(instance.observatory)

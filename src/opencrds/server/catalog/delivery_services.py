"""The catalog service of a confirmed delivery (SERVER.md §2.2 step 11): its files become
catalog records, each audited as ``submit file``, and the edit context follows the new pmap,
in one transaction that bumps the catalog revision once at its end."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import DefaultContext, FileRecord
from .services import audit, catalog_change, set_default_context


def add_delivered_files(observatory: str, records: Iterable[dict[str, Any]], *, user: str,
                        why: str, new_context: str = "") -> list[FileRecord]:
    """Create (or, confirming again after a crash, update) the records of delivered files
    (``records``: model field values, ``name`` required) and point the edit context at
    ``new_context`` when given; the records."""
    saved = []
    with catalog_change(observatory):
        for fields in records:
            values = dict(fields)
            name = values.pop("name")
            values.pop("observatory", None)
            record, _created = FileRecord.objects.update_or_create(
                observatory=observatory, name=name, defaults=values)
            audit(user, observatory, "submit file", filename=name, why=why)
            saved.append(record)
        if new_context:
            set_default_context(observatory, DefaultContext.Kind.EDIT, new_context, user=user,
                                why=why)
    return saved

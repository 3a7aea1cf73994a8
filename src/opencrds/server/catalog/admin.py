"""Django admin for the catalog.

Actions change the catalog through :mod:`.services`; rows edited in the change forms bump the
catalog revision through :mod:`.signals`.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import (
    AuditEntry,
    BuildContext,
    CatalogRevision,
    ContextHistory,
    DatasetHeader,
    DefaultContext,
    FileRecord,
    RemoteContext,
)


@admin.register(FileRecord)
class FileRecordAdmin(admin.ModelAdmin):
    list_display = ("name", "observatory", "instrument", "filekind", "type", "state", "available",
                    "rejected", "blacklisted", "size", "delivery_date", "activation_date")
    list_filter = ("observatory", "type", "state", "available", "rejected", "blacklisted",
                   "instrument")
    search_fields = ("name", "uploaded_as", "description", "sha1sum")
    readonly_fields = ("created", "modified")
    date_hierarchy = "delivery_date"
    actions = ("mark_bad", "mark_ok")
    fieldsets = (
        (None, {"fields": ("name", "observatory", "instrument", "filekind", "type",
                           "reference_file_type", "state", "available")}),
        ("Bad file flags", {"fields": ("rejected", "blacklisted", "replaced_by_filename")}),
        ("Contents", {"fields": ("sha1sum", "size", "pedigree", "useafter_date", "aperture",
                                 "comment", "history")}),
        ("Delivery", {"fields": ("uploaded_as", "derived_from", "description", "change_level",
                                 "creator_name", "deliverer_user", "deliverer_email",
                                 "delivery_date", "activation_date")}),
        ("Record", {"fields": ("created", "modified")}),
    )

    @admin.action(description="Mark selected files bad (reject references, blacklist mappings)")
    def mark_bad(self, request: HttpRequest, queryset: QuerySet[FileRecord]) -> None:
        self._mark(request, queryset, True)

    @admin.action(description="Mark selected files OK")
    def mark_ok(self, request: HttpRequest, queryset: QuerySet[FileRecord]) -> None:
        self._mark(request, queryset, False)

    def _mark(self, request: HttpRequest, queryset: QuerySet[FileRecord], bad: bool) -> None:
        services.set_bad(queryset, bad, user=request.user.get_username(), why="admin")


@admin.register(ContextHistory)
class ContextHistoryAdmin(admin.ModelAdmin):
    list_display = ("start_date", "context", "observatory", "state", "description")
    list_filter = ("observatory", "state")
    search_fields = ("context", "description")
    date_hierarchy = "start_date"


@admin.register(DefaultContext)
class DefaultContextAdmin(admin.ModelAdmin):
    list_display = ("observatory", "kind", "context", "updated")
    list_filter = ("observatory", "kind")


@admin.register(BuildContext)
class BuildContextAdmin(admin.ModelAdmin):
    list_display = ("observatory", "calver", "context", "banner", "updated")
    list_filter = ("observatory", "banner")
    search_fields = ("calver", "context")


@admin.register(RemoteContext)
class RemoteContextAdmin(admin.ModelAdmin):
    list_display = ("observatory", "name", "kind", "context", "updated")
    list_filter = ("observatory",)
    readonly_fields = ("key_hash",)
    search_fields = ("name", "context")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "user", "observatory", "action", "filename", "why")
    list_filter = ("observatory", "action")
    search_fields = ("filename", "why", "details", "user")
    date_hierarchy = "date"


@admin.register(CatalogRevision)
class CatalogRevisionAdmin(admin.ModelAdmin):
    list_display = ("observatory", "number", "updated")
    readonly_fields = ("observatory", "number", "updated")


@admin.register(DatasetHeader)
class DatasetHeaderAdmin(admin.ModelAdmin):
    list_display = ("dataset_id", "observatory", "instrument", "observation_date", "source")
    list_filter = ("observatory", "instrument")
    search_fields = ("dataset_id", "source")
    readonly_fields = ("created",)

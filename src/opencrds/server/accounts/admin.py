"""Django admin of grants, API tokens (read-only, prefix only; revoke action) and instrument
locks (deleting one releases it through :mod:`.locks`, so its submissions are cancelled)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import locks, roles, tokens
from .models import ApiToken, InstrumentGrant, InstrumentLock


@admin.register(InstrumentGrant)
class InstrumentGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "observatory", "instrument")
    list_filter = ("observatory", "instrument")
    search_fields = ("user__username", "user__email", "instrument")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "name", "created", "last_used", "expires", "revoked")
    list_filter = ("revoked",)
    search_fields = ("user__username", "prefix", "name")
    fields = ("user", "prefix", "name", "created", "last_used", "expires", "revoked")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued by ``manage issue_token``: the text is shown once there

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return roles.is_operator(request.user)

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = tokens.revoke_ids(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"revoked {count} token(s)")


@admin.register(InstrumentLock)
class InstrumentLockAdmin(admin.ModelAdmin):
    list_display = ("user", "observatory", "instrument", "created_on", "last_activity")
    readonly_fields = ("user", "observatory", "instrument", "created_on", "last_activity")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # locks are taken by logging in

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: InstrumentLock) -> None:
        locks.release(obj.user, "admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[InstrumentLock]) -> None:
        for lock in queryset.select_related("user"):
            locks.release(lock.user, "admin")

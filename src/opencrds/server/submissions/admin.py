"""Read-only admin pages of submissions and deliveries (changes go through the services)."""

from __future__ import annotations

from django.contrib import admin

from .models import Delivery, SerialCounter, Submission


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ("created", "observatory", "kind", "status", "username", "instrument",
                    "new_context")
    list_filter = ("observatory", "kind", "status")
    search_fields = ("id", "username", "description", "new_context")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("catalog_name", "observatory", "serial", "created", "status")
    list_filter = ("observatory", "status")


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnly):
    list_display = ("observatory", "family", "last")
    list_filter = ("observatory",)
    search_fields = ("family",)

"""Account tables (SERVER.md §1.11, §3.2): instrument grants, API tokens, instrument locks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

#: The instrument of a grant that allows every instrument of its observatory.
ALL_INSTRUMENTS = "*"


class InstrumentGrant(models.Model):
    """A submitter may deliver files for ``instrument`` of ``observatory`` (``*``: all)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="instrument_grants")
    observatory = models.CharField(max_length=16)
    instrument = models.CharField(max_length=32, help_text="instrument name, or * for all")

    class Meta:
        ordering = ["user", "observatory", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["user", "observatory", "instrument"],
                                    name="unique_instrument_grant"),
        ]
        permissions = [
            ("submit_files", "Can deliver files for the granted instruments"),
            ("operate_catalog", "Can set contexts, mark files bad and force deliveries"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.observatory} {self.instrument}"


class ApiToken(models.Model):
    """A personal API token: a password for scripted clients (``MAST_API_TOKEN``).

    Only the SHA-256 of the token is kept; ``prefix`` (its first characters) names it in lists.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["user", "-created"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… ({self.name or 'token'})"


class InstrumentLock(models.Model):
    """The one instrument a user holds: nobody else may submit for it until released or
    expired (``last_activity`` older than the lock timeout)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="instrument_lock")
    observatory = models.CharField(max_length=16)
    instrument = models.CharField(max_length=32)
    created_on = models.DateTimeField(default=timezone.now)
    last_activity = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["observatory", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "instrument"],
                                    name="one_lock_per_instrument"),
        ]

    def __str__(self) -> str:
        return f"{self.observatory} {self.instrument}: {self.user}"

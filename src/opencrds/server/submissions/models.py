"""Submission tables (SERVER.md §2.3, §3.2): submissions, jpoll channels and messages,
serial counters and delivery records."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JpollChannel(models.Model):
    """A progress channel: the key is a capability (whoever has it may read the messages)."""

    key = models.CharField(max_length=128, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class JpollMessage(models.Model):
    """One progress message (PROTOCOL.md §7.5); ids increase, the last one is ``done``."""

    channel = models.ForeignKey(JpollChannel, on_delete=models.CASCADE, related_name="messages")
    type = models.CharField(max_length=16)
    data = models.JSONField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.channel_id} #{self.pk} {self.type}"


class Submission(models.Model):
    """One submission, from the posted form to CONFIRMED / CANCELLED (SERVER.md §2.3).

    Its files live in a staging folder until confirmed (:func:`.staging.staging_dir`); nothing
    of it is in the catalog or the file store before then.
    """

    class Kind(models.TextChoices):
        BATCH = "batch", "batch submit references"
        REDCAT = "redcat", "extended batch submit references"
        REFERENCES = "references", "submit references (no rules generation)"
        MAPPINGS = "mappings", "submit mappings"
        ADD = "add", "add existing references"
        DELETE = "delete", "delete references"
        CERTIFY = "certify", "certify files"
        DIFFERENCE = "difference", "difference files"

    class Status(models.TextChoices):
        STARTED = "started"
        READY = "ready"
        BAD_FILES = "bad files"
        FAIL = "fail"
        DONE = "done", "done (nothing to confirm)"
        CONFIRMING = "confirming"
        CONFIRMED = "confirmed"
        FORCED = "forced"
        CANCELLED = "cancelled"

    #: States in which the submission is over.
    FINAL = (Status.BAD_FILES, Status.FAIL, Status.DONE, Status.CONFIRMED, Status.FORCED,
             Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    observatory = models.CharField(max_length=16)
    instrument = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="submissions")
    username = models.CharField(max_length=150, blank=True)
    description = models.TextField(blank=True)
    creator = models.CharField(max_length=128, blank=True)
    change_level = models.CharField(max_length=16, default="SEVERE")
    auto_rename = models.BooleanField(default=True)
    compare_old_reference = models.BooleanField(default=True)
    generate_contexts = models.BooleanField(default=True)
    derive_from = models.CharField(max_length=128, blank=True, help_text="starting context")
    parameters = models.JSONField(default=dict, blank=True,
                                  help_text="other form fields (ReDCaT fields, file lists)")
    channel = models.ForeignKey(JpollChannel, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="submissions")
    result = models.JSONField(default=dict, blank=True, help_text="what the review page shows")
    new_context = models.CharField(max_length=128, blank=True)
    created = models.DateTimeField(default=timezone.now)
    processed = models.DateTimeField(null=True, blank=True)
    published = models.DateTimeField(null=True, blank=True, help_text="confirmed at")

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["observatory", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class SerialCounter(models.Model):
    """The last serial number handed out for a family of names (``jwst_miri_dark`` rmaps,
    ``jwst_miri_dark`` references, ``jwst`` pmaps, deliveries...). Rows are locked while a
    number is taken, so two submissions never get the same one; numbers of cancelled
    submissions are not reused (gaps, as in CRDS)."""

    observatory = models.CharField(max_length=16)
    family = models.CharField(max_length=128)
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["observatory", "family"], name="unique_serial_family"),
        ]

    def __str__(self) -> str:
        return f"{self.observatory} {self.family}: {self.last}"


class Delivery(models.Model):
    """A confirmed delivery: its ``<obs>_<NNN>.cat`` manifest lists the files it brought."""

    observatory = models.CharField(max_length=16)
    serial = models.IntegerField()
    submission = models.OneToOneField(Submission, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="delivery")
    files = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=24, default="delivered")

    class Meta:
        ordering = ["observatory", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "serial"], name="unique_delivery"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return self.catalog_name

    @property
    def catalog_name(self) -> str:
        return f"{self.observatory}_{self.serial:03d}.cat"

"""Catalog models (SERVER.md §3): files, context history, context pointers, audit log."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.utils import timezone


class FileRecord(models.Model):
    """One CRDS file (mapping or reference) known to the server, downloadable or not."""

    class Kind(models.TextChoices):
        MAPPING = "mapping"
        REFERENCE = "reference"

    class State(models.TextChoices):
        UPLOADED = "uploaded"
        SUBMITTED = "submitted"
        DELIVERED = "delivered"
        ARCHIVING = "archiving"
        ARCHIVED = "archived"
        ARCHIVING_FAILED = "archiving-failed"
        OPERATIONAL = "operational"
        BAD = "bad"

    class ChangeLevel(models.TextChoices):
        SEVERE = "SEVERE"
        MODERATE = "MODERATE"
        TRIVIAL = "TRIVIAL"

    name = models.CharField(max_length=128, help_text="official CRDS file name")
    observatory = models.CharField(max_length=16)
    instrument = models.CharField(max_length=32, blank=True)
    filekind = models.CharField(max_length=64, blank=True, help_text="reference type")
    type = models.CharField(max_length=16, choices=Kind.choices)
    reference_file_type = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=24, choices=State.choices, default=State.ARCHIVED)
    available = models.BooleanField(
        default=False, help_text="the file's bytes are in the store and may be downloaded")
    rejected = models.BooleanField(default=False, help_text="reference scientifically invalid")
    blacklisted = models.BooleanField(default=False, help_text="mapping invalid (transitive)")
    replaced_by_filename = models.CharField(max_length=128, blank=True)
    sha1sum = models.CharField(max_length=40, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    uploaded_as = models.CharField(max_length=256, blank=True)
    derived_from = models.CharField(max_length=256, blank=True)
    description = models.TextField(blank=True, help_text="reason for delivery")
    comment = models.TextField(blank=True)
    history = models.TextField(blank=True)
    aperture = models.CharField(max_length=128, blank=True)
    pedigree = models.CharField(max_length=128, blank=True)
    useafter_date = models.DateTimeField(null=True, blank=True)
    delivery_date = models.DateTimeField(null=True, blank=True)
    activation_date = models.DateTimeField(null=True, blank=True)
    change_level = models.CharField(
        max_length=16, choices=ChangeLevel.choices, default=ChangeLevel.SEVERE)
    creator_name = models.CharField(max_length=128, blank=True)
    deliverer_user = models.CharField(max_length=128, blank=True)
    deliverer_email = models.CharField(max_length=254, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["observatory", "name"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "name"], name="unique_file_name"),
        ]
        indexes = [models.Index(fields=["observatory", "type", "available"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bad(self) -> bool:
        return self.rejected or self.blacklisted


class ContextHistory(models.Model):
    """One activation of a latest (operational) context, newest first."""

    observatory = models.CharField(max_length=16)
    start_date = models.DateTimeField()
    context = models.CharField(max_length=128)
    state = models.CharField(max_length=24, default="archived")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["observatory", "-start_date", "-id"]
        verbose_name_plural = "context history"
        indexes = [models.Index(fields=["observatory", "start_date"])]

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m-%d %H:%M:%S} {self.context}"


class DefaultContext(models.Model):
    """A context pointer: operational (a.k.a. latest), edit or versions."""

    class Kind(models.TextChoices):
        OPERATIONAL = "operational"
        EDIT = "edit"
        VERSIONS = "versions"

    observatory = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    context = models.CharField(max_length=128, blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["observatory", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "kind"], name="unique_default_context"),
        ]

    def __str__(self) -> str:
        return f"{self.observatory}-{self.kind}: {self.context}"


class BuildContext(models.Model):
    """The context matching a calibration software (CAL) version."""

    observatory = models.CharField(max_length=16)
    calver = models.CharField(max_length=64, verbose_name="CAL version")
    context = models.CharField(max_length=128)
    banner = models.BooleanField(default=False, help_text="shown as the pipeline build context")
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["observatory", "-updated"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "calver"], name="unique_build_context"),
        ]

    def __str__(self) -> str:
        return f"{self.observatory} {self.calver}: {self.context}"


class RemoteContext(models.Model):
    """The context a pipeline last reported (``crds sync --push-context KEY``)."""

    observatory = models.CharField(max_length=16)
    name = models.CharField(max_length=64, help_text="pipeline name, e.g. jwst-ops-pipeline")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the push key")
    kind = models.CharField(max_length=16, default="latest")
    context = models.CharField(max_length=128, blank=True)
    updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["observatory", "name"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "name"], name="unique_remote_context"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.context or '-'}"


class AuditEntry(models.Model):
    """Something done to the catalog: who, when, what, why."""

    date = models.DateTimeField(default=timezone.now)
    user = models.CharField(max_length=128, blank=True)
    observatory = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=64)
    filename = models.CharField(max_length=256, blank=True)
    why = models.TextField(blank=True)
    details = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d %H:%M:%S} {self.action} {self.filename}"


class CatalogRevision(models.Model):
    """A counter bumped by every catalog change, so processes know when to drop caches."""

    observatory = models.CharField(max_length=16, unique=True)
    number = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.observatory} #{self.number}"

    @classmethod
    def bump(cls, observatory: str) -> None:
        """Record a change to ``observatory``'s catalog."""
        now = timezone.now()
        updated = cls.objects.filter(observatory=observatory).update(
            number=F("number") + 1, updated=now)
        if not updated:
            cls.objects.get_or_create(observatory=observatory, defaults={"number": 1})

    @classmethod
    def current(cls, observatory: str) -> tuple[int, object]:
        """(revision number, time of the last change) of ``observatory``'s catalog."""
        row = cls.objects.filter(observatory=observatory).values_list("number", "updated").first()
        return row if row else (0, None)


class DatasetHeader(models.Model):
    """The header of one archived dataset (exposure), served by ``get_dataset_headers_by_id``.

    ``dataset_id`` is ``PRODUCT:EXPOSURE`` in upper case (HST: association or rootname, then
    rootname); ``header`` holds every keyword of the dataset as ``{KEYWORD: "value"}``.
    """

    observatory = models.CharField(max_length=16)
    dataset_id = models.CharField(max_length=128, help_text="PRODUCT:EXPOSURE")
    product = models.CharField(max_length=64)
    exposure = models.CharField(max_length=64)
    instrument = models.CharField(max_length=32, help_text="lower case, e.g. acs, miri")
    observation_date = models.DateTimeField(null=True, blank=True)
    header = models.JSONField(default=dict)
    source = models.CharField(max_length=256, blank=True, help_text="file it was read from")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["observatory", "dataset_id"]
        constraints = [
            models.UniqueConstraint(fields=["observatory", "dataset_id"],
                                    name="unique_dataset_id"),
        ]
        indexes = [models.Index(fields=["observatory", "instrument"]),
                   models.Index(fields=["observatory", "product"]),
                   models.Index(fields=["observatory", "exposure"])]

    def __str__(self) -> str:
        return self.dataset_id

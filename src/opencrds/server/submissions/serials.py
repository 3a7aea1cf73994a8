"""Serial numbers of new official names (SERVER.md §2.2 steps 4-6, §2.4).

A family is what the numbers count: the stem of mapping names (``jwst_miri_dark`` for rmaps,
``jwst_miri`` for imaps, ``jwst`` for pmaps), ``ref:<stem>`` for CRDS-style reference names
(``ref:jwst_miri_dark`` counts ``jwst_miri_dark_NNNN.fits``...) and ``delivery`` for delivery
manifests. Each family's last number is a :class:`SerialCounter` row, taken in its own
transaction with the row locked, so two submissions never get the same number; it never goes
below the highest serial of that family already in the catalog (an imported cache continues
at ``jwst_0542.pmap``). Numbers of cancelled submissions are not reused.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F, Max

from opencrds.server.catalog.models import FileRecord

from .models import Delivery, SerialCounter

REFERENCE_PREFIX = "ref:"
DELIVERY = "delivery"
_MAPPING_EXTS = ("pmap", "imap", "rmap")


def mapping_family(name: str) -> str:
    """The family of a mapping name: ``jwst_miri_dark_0051.rmap`` -> ``jwst_miri_dark``."""
    return re.sub(r"_\d+$", "", name.rsplit(".", 1)[0])


def reference_family(stem: str) -> str:
    """The family key of CRDS-style reference names ``<stem>_NNNN.<ext>``."""
    return REFERENCE_PREFIX + stem


def catalog_highest(observatory: str, family: str) -> int:
    """The highest serial of ``family`` among the catalog's names (deliveries: the delivery
    records), 0 if there is none."""
    if family == DELIVERY:
        highest = Delivery.objects.filter(observatory=observatory).aggregate(m=Max("serial"))["m"]
        return highest or 0
    if family.startswith(REFERENCE_PREFIX):
        stem, kinds = family[len(REFERENCE_PREFIX):], [FileRecord.Kind.REFERENCE]
        pattern = re.compile(rf"{re.escape(stem)}_(\d+)\.[A-Za-z0-9]+")
    else:
        stem, kinds = family, [FileRecord.Kind.MAPPING]
        pattern = re.compile(rf"{re.escape(stem)}_(\d+)\.(?:{'|'.join(_MAPPING_EXTS)})")
    names = FileRecord.objects.filter(observatory=observatory, type__in=kinds,
                                      name__startswith=stem + "_").values_list("name", flat=True)
    serials = sorted(int(m.group(1)) for m in map(pattern.fullmatch, names) if m)
    return highest_in_use(serials)


#: A serial this far above the next one of its family is not part of its count (see below).
OUTLIER_GAP = 1000


def highest_in_use(serials: list[int]) -> int:
    """The highest of the sorted ``serials`` that continues its family's count: serials far
    above the others (test files of a copied cache, e.g. ``hst_acs_9999.imap``, which no
    context names and the real server does not list) would make every new name jump past them."""
    highest = 0
    for serial in serials:
        if highest and serial - highest > OUTLIER_GAP:
            break  # the count stops before its first jump of more than OUTLIER_GAP
        highest = serial
    return highest


def next_serial(observatory: str, family: str) -> int:
    """Take the next serial number of ``family`` (its own transaction, committed at once
    unless called inside another)."""
    with transaction.atomic():
        counters = SerialCounter.objects.filter(observatory=observatory, family=family)
        if not counters.exists():
            try:
                with transaction.atomic():
                    SerialCounter.objects.create(observatory=observatory, family=family, last=0)
            except IntegrityError:  # another process created it first: use theirs
                pass
        counters.update(last=F("last") + 1)  # takes the row's write lock before reading it
        counter = counters.select_for_update().get()
        highest = catalog_highest(observatory, family)
        if counter.last <= highest:
            counter.last = highest + 1
            counter.save(update_fields=["last"])
        return counter.last


def peek_serial(observatory: str, family: str) -> int:
    """The number :func:`next_serial` would hand out now (nothing taken)."""
    last = (SerialCounter.objects.filter(observatory=observatory, family=family)
            .values_list("last", flat=True).first()) or 0
    return max(last, catalog_highest(observatory, family)) + 1

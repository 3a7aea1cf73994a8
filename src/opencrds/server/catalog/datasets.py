"""Dataset headers kept by the server (the archive stand-in behind ``get_dataset_ids`` and
``get_dataset_headers_by_id``): importing them from dataset files, and looking them up."""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .models import DatasetHeader

#: Header keywords naming the instrument, FITS first.
INSTRUMENT_KEYS = ("INSTRUME", "META.INSTRUMENT.NAME")
_DATE_KEYS = (("DATE-OBS", "TIME-OBS"), ("META.OBSERVATION.DATE", "META.OBSERVATION.TIME"))
_NONE = ("", "NONE", "N/A", "UNDEFINED")


@dataclass(frozen=True)
class Identity:
    """Where a dataset sits in the archive: ``PRODUCT:EXPOSURE`` and its instrument."""

    product: str
    exposure: str
    instrument: str

    @property
    def dataset_id(self) -> str:
        return f"{self.product}:{self.exposure}"


def identify(header: dict[str, Any], path: str) -> Identity:
    """The id of a dataset: HST ``ASN_ID:ROOTNAME`` (``ROOTNAME:ROOTNAME`` without an
    association); otherwise the file name without its last ``_suffix``, for both parts."""
    instrument = next((str(header[k]) for k in INSTRUMENT_KEYS
                       if str(header.get(k, "")).upper() not in _NONE), "")
    if not instrument:
        raise ValueError(f"{path}: no INSTRUME or META.INSTRUMENT.NAME keyword")
    root = str(header.get("ROOTNAME", "")).upper()
    if root not in _NONE:
        asn = str(header.get("ASN_ID", "")).upper()
        product = asn if asn not in _NONE else root
        return Identity(product, root, instrument.lower())
    stem = os.path.basename(path).split(".", 1)[0]
    stem = re.sub(r"_[a-z0-9]+$", "", stem) if "_" in stem else stem
    return Identity(stem.upper(), stem.upper(), instrument.lower())


def observation_date(header: dict[str, Any]) -> datetime.datetime | None:
    """DATE-OBS + TIME-OBS (or the data-model equivalents) as an aware UTC time."""
    for date_key, time_key in _DATE_KEYS:
        date = str(header.get(date_key, "")).strip()
        if date.upper() in _NONE:
            continue
        clock = str(header.get(time_key, "00:00:00")).strip()
        text = date if "T" in date else f"{date}T{clock if clock.upper() not in _NONE else '0'}"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = datetime.datetime.fromisoformat(date[:10])
            except ValueError:
                return None
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    return None


def store_header(observatory: str, path: str, header: dict[str, Any],
                 identity: Identity | None = None) -> DatasetHeader:
    """Create or replace the catalog row of one dataset (its id read from ``header`` and
    ``path`` unless given); its record."""
    identity = identity or identify(header, path)
    plain = {str(k): str(v) for k, v in header.items()}
    record, _created = DatasetHeader.objects.update_or_create(
        observatory=observatory, dataset_id=identity.dataset_id,
        defaults={"product": identity.product, "exposure": identity.exposure,
                  "instrument": identity.instrument, "header": plain,
                  "observation_date": observation_date(header),
                  "source": os.path.basename(path)[:256]})
    return record


def _since(datasets_since: str | None) -> datetime.datetime | None:
    if not datasets_since or str(datasets_since).lower() in ("none", "null"):
        return None
    moment = datetime.datetime.fromisoformat(str(datasets_since).replace(" ", "T"))
    return moment if moment.tzinfo else timezone.make_aware(moment, datetime.UTC)


def dataset_ids(observatory: str, instrument: str, datasets_since: str | None = None
                ) -> list[str]:
    """Every ``PRODUCT:EXPOSURE`` id of ``instrument``, sorted; only those observed at or
    after ``datasets_since`` when given."""
    rows = DatasetHeader.objects.filter(observatory=observatory,
                                        instrument=instrument.lower())
    if (since := _since(datasets_since)) is not None:
        rows = rows.filter(observation_date__gte=since)
    return sorted(rows.values_list("dataset_id", flat=True))


def headers_by_id(observatory: str, ids: list[str], datasets_since: str | None = None
                  ) -> dict[str, dict[str, str] | str]:
    """``{id: header}`` for each requested id, ``{id: "NOT FOUND ..."}`` for unknown ones
    (a bare unknown ``X`` is answered as ``X:X``).

    A full ``PRODUCT:EXPOSURE`` id answers under itself; a bare product or exposure id answers
    with every matching dataset under its expanded two-part id.
    """
    since = _since(datasets_since)
    result: dict[str, dict[str, str] | str] = {}
    for raw in ids:
        wanted = str(raw).strip().upper()
        rows = DatasetHeader.objects.filter(observatory=observatory)
        if ":" in wanted:
            rows = rows.filter(dataset_id=wanted)
        else:
            rows = rows.filter(product=wanted) | rows.filter(exposure=wanted)
        if since is not None:
            rows = rows.filter(observation_date__gte=since)
        found = list(rows.order_by("dataset_id").values_list("dataset_id", "header"))
        if not found:  # keys are always two-part ids: clients split them on ':'
            key = wanted if ":" in wanted else f"{wanted}:{wanted}"
            result[key] = f"NOT FOUND dataset '{raw}' is not known to the archive"
        for dataset_id, header in found:
            result[dataset_id] = header
    return result

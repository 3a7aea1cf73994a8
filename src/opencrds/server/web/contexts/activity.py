"""Recent activity (SERVER.md §1.9): the audit log filtered, and deliveries per month."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth

from ...catalog.models import AuditEntry, FileRecord
from ...catalog.revision_cache import REVISION_CHECK_SECONDS, cache
from ..filters import ANY, filter_date

PAGE_SIZE = 100



class ActivityForm(forms.Form):
    """The filters; ``*`` (or blank) ignores a field."""

    action = forms.ChoiceField(required=False, label="Action")
    extension = forms.CharField(required=False, initial=".pmap", max_length=16,
                                label="Extension")
    instrument = forms.CharField(required=False, initial=ANY, max_length=32,
                                 label="Instrument")
    filekind = forms.CharField(required=False, initial=ANY, max_length=64,
                               label="Reference Type")
    filename = forms.CharField(required=False, initial=ANY, max_length=255, label="Filename",
                               help_text="a glob, e.g. *_0729.pmap")
    start_date = forms.CharField(required=False, initial=ANY, max_length=32, label="Start Date",
                                 help_text="YYYY-MM-DD")
    stop_date = forms.CharField(required=False, initial=ANY, max_length=32, label="Stop Date",
                                help_text="YYYY-MM-DD, inclusive")

    def __init__(self, observatory: str, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(set(AuditEntry.objects.filter(observatory=observatory)
                             .values_list("action", flat=True).distinct()))
        self.fields["action"].choices = [(ANY, "* (any)")] + [(a, a) for a in actions]
        self.observatory = observatory

    def clean_start_date(self) -> datetime.datetime | None:
        return filter_date(self.cleaned_data.get("start_date") or "")

    def clean_stop_date(self) -> datetime.datetime | None:
        return filter_date(self.cleaned_data.get("stop_date") or "", end=True)

    def entries(self) -> QuerySet[AuditEntry]:
        """The audit entries matching the (valid) filters, newest first."""
        data = self.cleaned_data
        query = AuditEntry.objects.filter(observatory=self.observatory)
        if data.get("action") not in (None, "", ANY):
            query = query.filter(action=data["action"])
        extension = (data.get("extension") or "").strip()
        if extension not in ("", ANY, "*.*"):
            query = query.filter(filename__iendswith=extension.lstrip("*"))
        instrument = (data.get("instrument") or "").strip().lower()
        if instrument not in ("", ANY):
            query = query.filter(Q(filename__icontains=f"_{instrument}_")
                                 | Q(filename__icontains=f"_{instrument}."))
        filekind = (data.get("filekind") or "").strip().lower()
        if filekind not in ("", ANY):
            query = query.filter(filename__icontains=f"_{filekind}")
        if data.get("start_date"):
            query = query.filter(date__gte=data["start_date"])
        if data.get("stop_date"):
            query = query.filter(date__lte=data["stop_date"])
        pattern = (data.get("filename") or "").strip()
        if pattern not in ("", ANY):
            query = query.filter(filename__iregex=glob_regex(pattern))
        return query.order_by("-date", "-id")


def glob_regex(pattern: str) -> str:
    """A shell glob (``*`` and ``?``) as a regular expression both SQLite and PostgreSQL
    understand, anchored at both ends."""
    return "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"


# ---- deliveries per month and instrument -----------------------------------------------------


@dataclass(frozen=True)
class MonthCounts:
    """Deliveries of references per month (first of the month, UTC) and instrument."""

    months: tuple[datetime.date, ...]
    instruments: tuple[str, ...]
    counts: dict[tuple[datetime.date, str], int]

    def total(self, month: datetime.date) -> int:
        return sum(self.counts.get((month, name), 0) for name in self.instruments)

    def last(self, n: int) -> MonthCounts:
        """The same for the last ``n`` months only."""
        months = self.months[-n:]
        return MonthCounts(months, self.instruments,
                           {key: v for key, v in self.counts.items() if key[0] in months})


#: When a file came: its delivery date, else (catalogs imported from a CRDS cache, which
#: does not record deliveries) when a context first used it.
_WHEN = Coalesce("delivery_date", "activation_date")


def _month_list(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _deliveries(observatory: str) -> MonthCounts:
    rows = (FileRecord.objects.filter(observatory=observatory, type=FileRecord.Kind.REFERENCE)
            .annotate(when=_WHEN).filter(when__isnull=False)
            .annotate(month=TruncMonth("when", tzinfo=datetime.UTC))
            .values_list("month", "instrument").annotate(n=Count("id")).order_by())
    counts: dict[tuple[datetime.date, str], int] = defaultdict(int)
    for month, instrument, n in rows:
        day = month.date() if isinstance(month, datetime.datetime) else month
        counts[(day, (instrument or "?").lower())] += n
    if not counts:
        return MonthCounts((), (), {})
    days = [day for day, _ in counts]
    return MonthCounts(tuple(_month_list(min(days), max(days))),
                       tuple(sorted({name for _, name in counts})), dict(counts))


def deliveries_per_month(observatory: str) -> MonthCounts:
    """References delivered (else first activated) per month and instrument (kept per
    catalog revision)."""
    return cache.get(observatory, "deliveries per month", lambda _: _deliveries(observatory),
                     max_age=REVISION_CHECK_SECONDS)


def recent_deliveries(observatory: str, limit: int = 8) -> list[dict[str, object]]:
    """The files delivered last: name, type, instrument, ``when`` (delivered, else first
    activated), deliverer, description (kept per catalog revision: a scan of the catalog)."""
    return cache.get(observatory, ("recent deliveries", limit), lambda _: list(
        FileRecord.objects.filter(observatory=observatory)
        .annotate(when=_WHEN).filter(when__isnull=False)
        .order_by("-when", "-name")
        .values("name", "type", "instrument", "when", "deliverer_user", "description")[:limit]),
        max_age=REVISION_CHECK_SECONDS)

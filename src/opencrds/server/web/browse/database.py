"""The browse-database search (SERVER.md §1.7): a GET form of filters, ``*`` ignoring a field,
applied in the database so a page of the full catalog is one sliced query."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from ...catalog import queries
from ...catalog.models import FileRecord
from ..filters import filter_date

#: Rows per page of results.
PAGE_SIZE = 200
#: The extensions the Extension menu offers (``*``: any).
EXTENSIONS = ("*", ".pmap", ".imap", ".rmap", ".fits", ".asdf", ".json", ".yaml", ".txt",
              ".r0h", ".r1h", ".r2h", ".r3h", ".r4h", ".r5h", ".r6h", ".r7h")
#: (field, column heading) of the results table and of the CSV/JSON exports.
COLUMNS = (
    ("delivery_date", "delivery date"), ("activation_date", "activation date"),
    ("useafter_date", "useafter date"), ("name", "name"), ("uploaded_as", "uploaded as"),
    ("aperture", "aperture"), ("state", "status"), ("description", "description"),
    ("instrument", "instrument"), ("filekind", "reference type"),
)
FIELDS = tuple(field for field, _heading in COLUMNS)
_DATES = frozenset(("delivery_date", "activation_date", "useafter_date"))


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [("*", "*")] + [(value, value) for value in values if value]


class BrowseForm(forms.Form):
    """The filters; every field accepts ``*`` for "any"."""

    instrument = forms.ChoiceField(label="Instrument", required=False)
    filekind = forms.ChoiceField(label="Reference Type", required=False)
    filename = forms.CharField(label="Filename", required=False, max_length=255,
                               help_text="a glob, e.g. *_dark.fits")
    state = forms.ChoiceField(label="Status", required=False,
                              choices=_choices(list(FileRecord.State.values)))
    extension = forms.ChoiceField(label="Extension", required=False,
                                  choices=[(e, e) for e in EXTENSIONS])
    start_date = forms.CharField(label="Start Date", required=False, max_length=32,
                                 help_text="delivered on or after, YYYY-MM-DD[ HH:MM:SS]")
    stop_date = forms.CharField(label="Stop Date", required=False, max_length=32,
                                help_text="delivered on or before, YYYY-MM-DD[ HH:MM:SS]")

    def __init__(self, observatory: str, data: Any = None) -> None:
        super().__init__(data)
        instruments, kinds = menus(observatory)
        self.fields["instrument"].choices = _choices(instruments)
        self.fields["filekind"].choices = _choices(kinds)

    def clean_start_date(self) -> datetime.datetime | None:
        return filter_date(self.cleaned_data.get("start_date", ""), "Start Date")

    def clean_stop_date(self) -> datetime.datetime | None:
        return filter_date(self.cleaned_data.get("stop_date", ""), "Stop Date", end=True)



def menus(observatory: str) -> tuple[list[str], list[str]]:
    """(instruments, reference types) of the catalog, sorted (kept per catalog revision)."""
    def compute(_revision: Any) -> tuple[list[str], list[str]]:
        records = FileRecord.objects.filter(observatory=observatory).order_by()
        return (sorted(set(records.values_list("instrument", flat=True).distinct()) - {""}),
                sorted(set(records.values_list("filekind", flat=True).distinct()) - {""}))

    return queries.cache.get(observatory, "browse menus", compute, max_age=2.0)


def search(observatory: str, filters: dict[str, Any]) -> QuerySet:
    """The files matching cleaned ``filters``, newest delivery first."""
    query = FileRecord.objects.filter(observatory=observatory)
    for field in ("instrument", "filekind", "state"):
        value = filters.get(field) or "*"
        if value != "*":
            query = query.filter(**{field: value})
    extension = filters.get("extension") or "*"
    if extension != "*":
        query = query.filter(name__endswith=extension)
    pattern = (filters.get("filename") or "").strip()
    if pattern not in ("", "*"):
        query = query.filter(_glob(pattern))
    if filters.get("start_date"):
        query = query.filter(delivery_date__gte=filters["start_date"])
    if filters.get("stop_date"):
        query = query.filter(delivery_date__lte=filters["stop_date"])
    return query.order_by("-delivery_date", "name")


_WILDCARD = re.compile(r"\*|\?|\[!?\]?[^\]]*\]")


def _glob(pattern: str) -> Q:
    """A name glob as a database filter: plain text is a substring; otherwise LIKE filters on
    the glob's literal parts (cheap, they narrow the rows), then, unless those are exact
    (``prefix*``, ``*suffix``), a regex written for both SQLite's and PostgreSQL's dialects."""
    if not _WILDCARD.search(pattern):
        return Q(name__icontains=pattern)
    literals = _WILDCARD.split(pattern)
    narrow = Q()
    if literals[0]:
        narrow &= Q(name__istartswith=literals[0])
    if literals[-1] and len(literals) > 1:
        narrow &= Q(name__iendswith=literals[-1])
    for middle in literals[1:-1]:
        if middle:
            narrow &= Q(name__icontains=middle)
    if pattern.count("*") == 1 and not any(c in pattern for c in "?[") and (
            pattern.startswith("*") or pattern.endswith("*")):
        return narrow  # exact: one star at an end
    return narrow & Q(name__iregex=glob_regex(pattern))


def glob_regex(pattern: str) -> str:
    """An anchored regex for a shell glob (``*``, ``?``, ``[abc]``, ``[!abc]``)."""
    parts, index = ["^"], 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "[":
            start = index + (1 if pattern[index:index + 1] == "!" else 0)
            close = pattern.find("]", start + 1)  # "]" first in the set is literal
            if close < 0:
                parts.append(re.escape(char))
                continue
            negate, inner = pattern[index:index + 1] == "!", pattern[start:close]
            index = close + 1
            inner = "".join("\\" + c if c in "\\^[]" else c for c in inner)
            parts.append("[" + ("^" if negate else "") + inner + "]")
        else:
            parts.append(re.escape(char))
    return "".join(parts) + "$"


def rows(query: QuerySet) -> list[dict[str, str]]:
    """The export form of every row: the table's fields as strings (dates as CRDS prints them)."""
    return [_strings(row) for row in query.values(*FIELDS).iterator(chunk_size=5000)]


def _strings(row: dict[str, Any]) -> dict[str, str]:
    return {field: (queries.format_date(row[field]) if field in _DATES else str(row[field] or ""))
            for field in FIELDS}


def page(query: QuerySet, number: int) -> tuple[list[dict[str, str]], int, int, int]:
    """(rows, first, last, total) of page ``number`` (1-based, clamped to the pages there are)."""
    total = query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    start = (number - 1) * PAGE_SIZE
    found = [_strings(row) for row in query.values(*FIELDS)[start:start + PAGE_SIZE]]
    return found, (start + 1 if found else 0), start + len(found), total

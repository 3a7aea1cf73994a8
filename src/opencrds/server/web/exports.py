"""The machine-readable forms of a page: ``?format=json`` and ``?format=csv`` (SERVER.md §5)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

FORMATS = ("html", "json", "csv")


def requested_format(request: HttpRequest) -> str:
    """``html`` (the default), ``json`` or ``csv``, from ``?format=``; anything else is html."""
    value = request.GET.get("format", "html").lower()
    return value if value in FORMATS else "html"


def json_page(data: Any, status: int = 200) -> JsonResponse:
    """``data`` as pretty JSON (lists allowed); dates become ISO strings."""
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"indent": 1})


def csv_page(columns: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    """A CSV download: a header line of ``columns`` then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Pages over past submissions and deliveries (SERVER.md §1.10, §1.22, §1.23):
``/delivery_status/`` (each delivery's manifest, files and what the archive's pick-up folder
shows of it), ``/submission_history/`` (filtered list and one submission's stored record) and
``/old_results/`` (an index of result pages).

``/old_results/`` is public like the result pages it links to (their links are e-mailed and
CRDS listed them in its public menu); the delivery status and the submission history need a
login (SERVER.md marks them Auth).
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..accounts import roles, served
from ..catalog import queries
from . import review
from .models import Delivery, Submission

PER_PAGE = 50
ANY = "*"


def _page(request: HttpRequest, items: QuerySet, per_page: int = PER_PAGE) -> Page:
    """The page of ``items`` that ``?page=`` asks for (the last one when it is past the end)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _other_pages(request: HttpRequest) -> str:
    """The query string of this request without ``page`` (for the pagination links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---- delivery status -------------------------------------------------------------------------

#: What a name in the delivery folder says of the delivery (SERVER.md §2.2 step 12).
STATES = (("_proc", "processing", "proc"), ("_PROC", "processing", "proc"),
          ("_err", "archiving failed", "err"), ("_ERROR", "archiving failed", "err"))


def delivery_state(catalog_name: str) -> tuple[str, str]:
    """(state, css suffix) of a delivery as its pick-up folder shows it: waiting for the
    archive (manifest present), processing (``_proc``), failed (``_err``), archived (gone);
    without a delivery folder the files were released at once."""
    folder = settings.OPENCRDS_DELIVERY_DIR
    if not folder:
        return "released (no archive delivery folder)", "archived"
    folder = Path(folder)
    if (folder / catalog_name).exists():
        return "waiting for the archive", "present"
    stem = catalog_name.removesuffix(".cat")
    for suffix, state, css in STATES:
        if (folder / (catalog_name + suffix)).exists() or (folder / (stem + suffix)).exists():
            return state, css
    return "archived", "archived"


def _manifest(catalog_name: str) -> str | None:
    """The kept copy of a delivery's manifest, or None when it is missing."""
    path = Path(settings.OPENCRDS_CATALOGS) / catalog_name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


@roles.login_required_page
@require_safe
def delivery_status(request: HttpRequest) -> HttpResponse:
    """The deliveries of this server, newest first, with their archiving state."""
    observatory = queries.server_observatory()
    page = _page(request, Delivery.objects.filter(observatory=observatory)
                 .select_related("submission"))
    rows = []
    for delivery in page:
        state, css = delivery_state(delivery.catalog_name)
        rows.append({"delivery": delivery, "state": state, "css": css,
                     "manifest": _manifest(delivery.catalog_name),
                     "submission": delivery.submission})
    return render(request, "submissions/delivery_status.html", {
        "observatory": observatory, "rows": rows, "page": page,
        "query": _other_pages(request),
        "delivery_dir": settings.OPENCRDS_DELIVERY_DIR or ""})


# ---- submission history --------------------------------------------------------------------


class HistoryFilter(forms.Form):
    """Instrument, start and stop dates (of creation) and status; ``*`` ignores a field."""

    instrument = forms.ChoiceField(required=False)
    start_date = forms.DateField(required=False, label="Start Date",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    stop_date = forms.DateField(required=False, label="Stop Date",
                                widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(required=False, label="Submission Status",
                               choices=[(ANY, ANY), *Submission.Status.choices])

    def __init__(self, *args: Any, instruments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [(ANY, ANY)] + [(i, i) for i in instruments]

    def filtered(self, submissions: QuerySet) -> QuerySet:
        """``submissions`` narrowed by the valid filter."""
        data = self.cleaned_data
        if data.get("instrument") not in (None, "", ANY):
            submissions = submissions.filter(instrument=data["instrument"])
        if data.get("status") not in (None, "", ANY):
            submissions = submissions.filter(status=data["status"])
        zone = timezone.get_current_timezone()
        if data.get("start_date"):
            start = datetime.datetime.combine(data["start_date"], datetime.time.min, zone)
            submissions = submissions.filter(created__gte=start)
        if data.get("stop_date"):
            stop = datetime.datetime.combine(data["stop_date"] + datetime.timedelta(days=1),
                                             datetime.time.min, zone)
            submissions = submissions.filter(created__lt=stop)
        return submissions


def deliverer(submission: Submission) -> str:
    """The ReDCaT deliverer of a submission, else its submitter."""
    record = submission.parameters.get("redcat") or {}
    return str(record.get("deliverer") or submission.username or "-")


@roles.login_required_page
@require_safe
def submission_history(request: HttpRequest) -> HttpResponse:
    """The submissions, filtered by instrument, dates and status (SERVER.md §1.23)."""
    observatory = queries.server_observatory()
    form = HistoryFilter(request.GET or None, instruments=list(served.instruments(observatory)))
    submissions = Submission.objects.filter(observatory=observatory).exclude(
        kind=Submission.Kind.DIFFERENCE)
    error = ""
    if form.is_bound:
        if form.is_valid():
            submissions = form.filtered(submissions)
        else:
            error = "; ".join(f"{form.fields[name].label or name}: {' '.join(messages)}"
                              for name, messages in form.errors.items())
            submissions = submissions.none()
    page = _page(request, submissions.only(
        "id", "created", "username", "instrument", "status", "kind", "parameters"))
    rows = [(s, deliverer(s)) for s in page]
    return render(request, "submissions/submission_history.html", {
        "form": form, "rows": rows, "page": page, "query": _other_pages(request),
        "error_message": error, "total": page.paginator.count})


def _shown(value: Any) -> str:
    """A stored parameter as text: lists joined, booleans Yes/No, nothing as '-'."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value in (None, "") else str(value)


@roles.login_required_page
@require_safe
def submission_detail(request: HttpRequest, submission_id: str) -> HttpResponse:
    """Every stored field of one submission, with its ReDCaT record."""
    try:
        submission = Submission.objects.get(pk=uuid.UUID(str(submission_id)))
    except (ValueError, Submission.DoesNotExist):
        raise Http404(f"no submission '{submission_id}'") from None
    parameters = {key: _shown(value) for key, value in submission.parameters.items()
                  if key not in ("redcat", "base_url")}
    return render(request, "submissions/submission_detail.html", {
        "submission": submission, "deliverer": deliverer(submission),
        "redcat": review.redcat_rows(submission.parameters.get("redcat") or {}),
        "parameters": sorted(parameters.items()),
        "delivery": getattr(submission, "delivery", None)})


# ---- old results -----------------------------------------------------------------------------


@require_safe
def old_results(request: HttpRequest) -> HttpResponse:
    """An index of the stored result pages, newest first (public, as the pages are)."""
    observatory = queries.server_observatory()
    page = _page(request, Submission.objects.filter(observatory=observatory).only(
        "id", "created", "kind", "username", "status"), per_page=100)
    return render(request, "submissions/old_results.html",
                  {"page": page, "query": _other_pages(request)})

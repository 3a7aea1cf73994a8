"""Views of the home page and the context pages (SERVER.md §1.1, §1.2, §1.5, §1.6, §1.9,
§1.24)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from opencrds.rules.errors import CrdsError

from ...accounts import served
from ...catalog import queries
from ...catalog.errors import UnavailableFile, UnknownContext, UnknownFile
from ...catalog.revision_cache import REVISION_CHECK_SECONDS, cache
from ..exports import csv_page, json_page, requested_format
from . import activity, charts, context_tables, fragments, history, menus, versions

read_only = require_http_methods(["GET", "HEAD"])
#: Activations of the home page's history table.
HOME_HISTORY = 4


def _fragment(observatory: str, key: str, template: str,
              values: Callable[[], dict[str, Any]]) -> SafeString:
    """The HTML of a template that shows only catalog data, rendered once per catalog revision
    (``values()`` is called only when it is rendered)."""
    return cache.get(observatory, ("fragment", key),
                     lambda _: mark_safe(render_to_string(template, values())),  # noqa: S308
                     max_age=REVISION_CHECK_SECONDS)


def _instruments_html(observatory: str, pmap: str,
                      instruments: list[context_tables.InstrumentEntry]) -> SafeString:
    return _fragment(observatory, f"instruments {pmap}", "web/contexts/_instruments.html",
                     lambda: {"pmap": pmap, "instruments": instruments})


def _instruments_or_404(pmap: str) -> list[context_tables.InstrumentEntry]:
    if not pmap.endswith(".pmap"):
        raise Http404(f"'{pmap}' is not a context (.pmap)")
    try:
        return context_tables.instruments(pmap)
    except (UnknownContext, UnknownFile, UnavailableFile) as exc:
        raise Http404(str(exc)) from None


@ensure_csrf_cookie
@read_only
def home(request: HttpRequest) -> HttpResponse:
    """The observatory's contexts, menus, latest references, history and deliveries."""
    try:
        observatory = served.observatory()
        defaults = served.default_contexts(observatory)
    except CrdsError as exc:
        return render(request, "web/contexts/home.html",
                      {"observatory": "", "contexts": {"operational": "", "edit": ""},
                       "public_menus": menus.PUBLIC, "error_message": str(exc)}, status=503)
    operational = defaults["operational"]
    try:
        instruments = context_tables.instruments(operational) if operational else []
        error = ""
    except CrdsError as exc:
        instruments, error = [], f"cannot show the rules of {operational}: {exc}"
    return render(request, "web/contexts/home.html", {
        "observatory": observatory, "contexts": defaults, "error_message": error,
        "build": history.banner_build(observatory),
        "public_menus": menus.PUBLIC, "private_menus": menus.private_menus(request.user),
        "pmap": operational,
        "instruments_html": _instruments_html(observatory, operational, instruments)
        if instruments else "",
        "history_html": fragments.context_rows_html(history.history(observatory, HOME_HISTORY),
                                                    "context_history", "Start Date"),
        "deliveries": activity.recent_deliveries(observatory),
        "activity_html": _fragment(observatory, "home activity", "web/contexts/_activity.html",
                                   lambda: _activity_values(observatory, 24, 160)),
    })


def _activity_values(observatory: str, months: int | None, height: float) -> dict[str, Any]:
    counts = activity.deliveries_per_month(observatory)
    if months:
        counts = counts.last(months)
    title = ("References delivered per month" if not months
             else f"References delivered per month, last {months} months")
    return {"chart": charts.deliveries_chart(counts, title, height=height),
            "counts": counts, "rows": _month_rows(counts),
            "table_id": "home_deliveries_per_month" if months else "deliveries_per_month"}


@read_only
def context_table(request: HttpRequest, pmap: str) -> HttpResponse:
    """Every instrument and type of ``pmap``, with counts; tables per instrument."""
    instruments = _instruments_or_404(pmap)
    wanted = request.GET.get("instrument", "").strip().lower()
    if wanted:
        return context_table_instrument(request, pmap, wanted)
    observatory = queries.server_observatory()
    return render(request, "web/contexts/context_table.html",
                  {"pmap": pmap, "instruments_html": _instruments_html(observatory, pmap,
                                                                        instruments),
                   "title": f"Historical References (under context {pmap})"})


@read_only
def context_table_instrument(request: HttpRequest, pmap: str, instrument: str) -> HttpResponse:
    """The rules tables of one instrument of ``pmap``."""
    _instruments_or_404(pmap)
    entry = context_tables.instrument(pmap, instrument)
    if entry is None:
        raise Http404(f"no instrument '{instrument}' in {pmap}")
    tables = mark_safe(context_tables.instrument_html(entry))  # noqa: S308 (escaped when built)
    return render(request, "web/contexts/context_instrument.html",
                  {"pmap": pmap, "entry": entry, "tables": tables})


def _context_rows_page(request: HttpRequest, rows: Callable[[], list[history.ContextRow]],
                       template: str, name: str, extra: dict[str, Any]) -> HttpResponse:
    observatory = queries.server_observatory()
    form = requested_format(request)
    if form == "json":
        return json_page([row.as_json() for row in rows()])
    if form == "csv":
        return csv_page(("date", "context", "status", "description"),
                        ([r.date_text, r.context, r.status, r.description] for r in rows()),
                        f"{observatory}_{name}.csv")
    table = cache.get(observatory, ("fragment", name),
                      lambda _: fragments.context_rows_html(
                          rows(), name, extra.get("date_label", "Start Date")),
                      max_age=REVISION_CHECK_SECONDS)
    return render(request, template, {"table": table, **extra})


def _timeline_values(observatory: str) -> dict[str, Any]:
    changes = history.changes(observatory)
    return {"timeline": charts.timeline_chart(changes, timezone.now()),
            "changes": list(reversed(changes))}


@read_only
def display_context_history(request: HttpRequest) -> HttpResponse:
    """Every activation, newest first, and the timeline of what changed."""
    observatory = queries.server_observatory()
    extra: dict[str, Any] = {}
    if requested_format(request) == "html":
        extra["timeline_html"] = _fragment(observatory, "timeline",
                                           "web/contexts/_timeline.html",
                                           lambda: _timeline_values(observatory))
    return _context_rows_page(request, lambda: history.history(observatory),
                              "web/contexts/context_history.html", "context_history", extra)


@read_only
def display_all_contexts(request: HttpRequest) -> HttpResponse:
    """Every .pmap delivered, newest first."""
    observatory = queries.server_observatory()
    return _context_rows_page(request, lambda: history.all_contexts(observatory),
                              "web/contexts/all_contexts.html", "all_contexts",
                              {"date_label": "Delivery Date"})


@read_only
def display_build_contexts(request: HttpRequest) -> HttpResponse:
    """CAL versions and the contexts built for them."""
    observatory = queries.server_observatory()
    rows = history.build_contexts(observatory)
    if requested_format(request) == "json":
        return json_page([{"calver": r.calver, "context": r.context, "banner": r.banner}
                          for r in rows])
    return render(request, "web/contexts/build_contexts.html",
                  {"rows": rows, "observatory": observatory})


def _month_rows(counts: activity.MonthCounts) -> list[tuple[Any, list[int], int]]:
    return [(month, [counts.counts.get((month, name), 0) for name in counts.instruments],
             counts.total(month)) for month in counts.months]


@read_only
def recent_activity(request: HttpRequest) -> HttpResponse:
    """The audit log filtered (GET), paginated; and deliveries per month."""
    observatory = queries.server_observatory()
    submitted = any(key in request.GET for key in activity.ActivityForm.base_fields)
    form = activity.ActivityForm(observatory, request.GET if submitted else None,
                                 initial={"action": activity.ANY})
    page, error = None, ""
    if submitted:
        if form.is_valid():
            paginator = Paginator(form.entries().values(
                "date", "filename", "action", "why", "details", "user"), activity.PAGE_SIZE)
            page = paginator.get_page(request.GET.get("page"))
        else:
            error = "; ".join(f"{form.fields[name].label}: {message}" if name in form.fields
                              else str(message)
                              for name, messages in form.errors.items() for message in messages)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/contexts/recent_activity.html", {
        "form": form, "page": page, "error_message": error, "query": query.urlencode(),
        "activity_html": _fragment(observatory, "activity", "web/contexts/_activity.html",
                                   lambda: _activity_values(observatory, None, 220)),
    })


@read_only
def version_info(request: HttpRequest) -> HttpResponse:
    """Versions of Python and of the packages the server runs."""
    rows = versions.package_versions()
    if requested_format(request) == "json":
        return json_page(dict(rows))
    return render(request, "web/contexts/version_info.html", {"rows": rows})


@read_only
def cmdline_bestrefs(request: HttpRequest) -> HttpResponse:
    """How to set up the command-line client against this server."""
    try:
        observatory = served.observatory()
    except CrdsError:
        observatory = ""
    return render(request, "web/contexts/cmdline_bestrefs.html",
                  {"server_url": request.build_absolute_uri("/").rstrip("/"),
                   "observatory": observatory or "hst"})

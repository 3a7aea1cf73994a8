"""The best-references pages (SERVER.md §1.3, §1.4) and the public file difference (§1.6,
§1.14). Input errors are shown in the ``error_message`` div of a 200 page (404 for unknown
files to difference); nothing a user types gives a 500."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from opencrds.rules.errors import CrdsError

from ...catalog import queries
from ..exports import json_page, requested_format
from ..picker import ContextPicker, PickerError
from . import datasets, explore, lookup
from .difference import DifferenceError
from .difference import difference as compute_difference
from .forms import DatasetForm, form_errors


def _observatory() -> str:
    return queries.server_observatory()


# ---- /bestrefs/ --------------------------------------------------------------------------------

def _bestrefs_page(request: HttpRequest, page: dict[str, Any], status: int = 200
                   ) -> HttpResponse:
    if requested_format(request) == "json":
        if page.get("error_message"):
            return json_page({"error": page["error_message"]}, status=400)
        return json_page({"results": [r.as_json() for r in page.get("results", [])]})
    return render(request, "web/bestrefs/bestrefs.html", page, status=status)


def _headers(form: DatasetForm, observatory: str) -> list[tuple[str, dict[str, Any]]]:
    """(dataset name, header) of each dataset asked for; DatasetError when none can be had."""
    if form.cleaned_data["dataset_mode"] == "upload":
        return [datasets.upload_header(form.cleaned_data["dataset_file"])]
    ids = datasets.parse_ids(form.cleaned_data["dataset_ids"])
    return list(datasets.id_headers(observatory, ids).items())


@ensure_csrf_cookie
@require_http_methods(["GET", "HEAD", "POST"])
def bestrefs(request: HttpRequest) -> HttpResponse:
    """The dataset best-references form; POST (or GET with ``dataset_ids``) shows the
    results of every dataset under the picked context (and a second one to compare)."""
    observatory = _observatory()
    data = request.POST if request.method == "POST" else request.GET
    picker = ContextPicker.from_data(observatory, data)
    compare_picker = ContextPicker.from_data(observatory, data, prefix="compare_",
                                             default_mode="pmap_edit",
                                             legend="Second context")
    submitted = request.method == "POST" or "dataset_ids" in request.GET
    mode = data.get("dataset_mode") or ("ids" if "dataset_ids" in request.GET else "upload")
    page: dict[str, Any] = {"picker": picker, "compare_picker": compare_picker,
                            "mode": mode, "ids_text": data.get("dataset_ids", ""),
                            "compare": bool(data.get("compare")), "results": [],
                            "observatory": observatory}
    if not submitted:
        return _bestrefs_page(request, page)
    form_data = data.copy()
    form_data.setdefault("dataset_mode", mode)
    form = DatasetForm(form_data, request.FILES)
    if not form.is_valid():
        page["error_message"] = form_errors(form)
        return _bestrefs_page(request, page)
    try:
        context = picker.context()
        second = compare_picker.context() if form.cleaned_data["compare"] else ""
    except PickerError as exc:
        page["error_message"] = str(exc)
        return _bestrefs_page(request, page)
    try:
        found = _headers(form, observatory)
    except datasets.DatasetError as exc:
        page["error_message"] = str(exc)
        return _bestrefs_page(request, page)
    problems = []
    for name, header in found:
        try:
            page["results"].append(lookup.best_references(name, header, context, second))
        except lookup.LOOKUP_FAILURES as exc:
            problems.append(f"Cannot compute best references for '{name}' under {context}: "
                            f"{exc}")
    if problems:
        page["error_message"] = " ".join(problems)
    return _bestrefs_page(request, page)


# ---- /bestrefs_explore/ ------------------------------------------------------------------------

def _explore_fields(parameters: tuple[explore.Parameter, ...], data: Any) -> list[dict]:
    return [{"parameter": p, "selected": data.get("param_" + p.slug, ""),
             "override": data.get("override_" + p.slug, "")} for p in parameters]


@require_GET
def bestrefs_explore(request: HttpRequest) -> HttpResponse:
    """Phase 1: pick a context and an instrument. Phase 2 (``?instrument=``): menus of the
    instrument's matching parameters; "Get References" shows the results."""
    observatory = _observatory()
    data = request.GET
    picker = ContextPicker.from_data(observatory, data)
    page: dict[str, Any] = {"picker": picker, "observatory": observatory, "instruments": []}
    try:
        page["instruments"] = explore.instruments(lookup.load_context(
            picker.operational or picker.edit))
    except (CrdsError, ValueError):
        page["instruments"] = []
    instrument = (data.get("instrument") or "").strip().lower()
    page["instrument"] = instrument
    if not instrument:
        return render(request, "web/bestrefs/explore.html", page)
    try:
        context = picker.context()
        pmap = lookup.load_context(context)
        parameters = explore.parameter_menus(pmap, instrument)
    except (PickerError, CrdsError, KeyError) as exc:
        page["error_message"] = str(exc).strip("'\"")
        return render(request, "web/bestrefs/explore.html", page)
    keywords = explore.date_keywords(pmap)
    defaults = explore.default_dates(keywords)
    page.update(phase2=True, context=context, fields=_explore_fields(parameters, data),
                dates=[{"name": k, "slug": explore.Parameter(k, ()).slug,
                        "value": (data.get(k) or defaults[k]).strip()} for k in keywords])
    if data.get("get_references"):
        header = explore.explore_header(pmap, instrument, parameters, data)
        try:
            page["results"] = [lookup.best_references(f"{instrument.upper()} parameters",
                                                      header, context)]
        except lookup.LOOKUP_FAILURES as exc:
            page["error_message"] = f"Cannot compute best references: {exc}"
    if requested_format(request) == "json" and "results" in page:
        return json_page({"results": [r.as_json() for r in page["results"]]})
    return render(request, "web/bestrefs/explore.html", page)


# ---- /difference/ ------------------------------------------------------------------------------

def _difference_names(request: HttpRequest) -> tuple[str, str] | None:
    """The two files a GET asks to difference (``file1``/``file2`` or two ``file``)."""
    if request.method != "GET":
        return None
    files = request.GET.getlist("file")
    file1 = request.GET.get("file1") or (files[0] if files else "")
    file2 = request.GET.get("file2") or (files[1] if len(files) > 1 else "")
    if not (file1 or file2 or files):
        return None
    return file1, file2


@require_http_methods(["GET", "HEAD", "POST"])
def difference(request: HttpRequest) -> HttpResponse:
    """Public GET with two catalogued names: their differences. Otherwise the authenticated
    Difference Files form (GET) and its submission (POST), as before."""
    names = _difference_names(request)
    if names is None:
        from ...submissions.views import difference_files

        return difference_files(request)
    observatory = _observatory()
    page: dict[str, Any] = {"file1": names[0], "file2": names[1], "observatory": observatory}
    try:
        found = compute_difference(observatory, *names)
    except DifferenceError as exc:
        page["error_message"] = str(exc)
        return render(request, "web/bestrefs/difference.html", page, status=exc.status)
    if found.html is None:  # rendered once: the difference of two names never changes
        found.html = mark_safe(render_to_string(  # noqa: S308 - our template's output
            "web/bestrefs/_difference_body.html", {"difference": found}))
    page["body"] = found.html
    return render(request, "web/bestrefs/difference.html", page)

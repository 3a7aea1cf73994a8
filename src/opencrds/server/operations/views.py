"""``/set_default_context/`` and ``/mark_bad/``: operator pages over the catalog services.

GET shows the form; POST (CSRF-checked) calls the service and shows the page again with the
outcome: a refusal in the ``error_message`` div (as CRDS clients scrape it), a success in the
``success_message`` div.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from opencrds.rules.errors import CrdsError

from ..accounts.roles import operator_required
from ..catalog import queries, services
from ..web.picker import ContextPicker, PickerError
from .forms import MarkBadForm, SetContextForm, form_errors


def _current_values(observatory: str) -> dict[str, Any]:
    """What the set-context page shows: each pointer with the date it was set, the build
    contexts, the pipelines' remote contexts, and the edit context (the picker's default)."""
    pointers = queries.context_pointers(observatory)
    rows = []
    for label, kind in (("latest", "operational"), ("edit", "edit"), ("versions", "versions")):
        context, since = pointers.get(kind, ("", None))
        rows.append({"type": label, "context": context,
                     "date": queries.format_date(since) if context else ""})
    remotes = [{**row, "updated": queries.format_date(row["updated"]) if row["updated"] else ""}
               for row in queries.remote_contexts(observatory)]
    edit = pointers.get("edit", ("", None))[0] or pointers.get("operational", ("", None))[0]
    return {"pointers": rows, "builds": queries.build_contexts(observatory), "remotes": remotes,
            "edit": edit}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@operator_required
def set_default_context(request: HttpRequest) -> HttpResponse:
    """Set the latest, edit, versions or a build context (SERVER.md §1.15)."""
    observatory = queries.server_observatory()
    current = _current_values(observatory)
    choices = queries.pipeline_contexts(observatory)
    error = success = ""
    picker = ContextPicker.from_data(observatory, request.POST if request.method == "POST"
                                     else None, default_mode="pmap_edit", legend="Set To")
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("context") and data.get("pmap_mode"):  # the page's context picker
            try:
                data["context"] = picker.context()
            except PickerError as exc:
                error = str(exc)
        form = SetContextForm(data, contexts=choices)
        if error:
            pass
        elif not form.is_valid():
            error = form_errors(form)
        else:
            try:
                success = _set_context(observatory, form.cleaned_data,
                                       request.user.get_username())
            except CrdsError as exc:
                error = str(exc)
            else:
                current = _current_values(observatory)
    else:
        form = SetContextForm(contexts=choices, initial={"context": current["edit"]})
    return render(request, "operations/set_default_context.html", {
        "form": form, "observatory": observatory, "error_message": error,
        "success_message": success, "picker": picker, **current})


def _set_context(observatory: str, data: dict[str, Any], user: str) -> str:
    kind, context, why = data["context_type"], data["context"], data["reason"]
    if kind == "build":
        row = services.set_build_context(observatory, data["calver"], context, user=user,
                                         why=why, banner=data["update_banner"])
        message = f"Build context of CAL version {row.calver} set to {context}."
        if data["update_banner"] and not row.banner:
            message += " The banner was not updated: it shows a newer context."
        return message
    services.set_default_context(observatory, kind, context, user=user, why=why)
    return f"The {kind} context is now {context}."


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@operator_required
def mark_bad(request: HttpRequest) -> HttpResponse:
    """Mark files bad (references rejected, mappings blacklisted transitively) or OK again
    (SERVER.md §1.21)."""
    observatory = queries.server_observatory()
    error, report = "", None
    if request.method == "POST":
        form = MarkBadForm(request.POST)
        if not form.is_valid():
            error = form_errors(form)
        else:
            data = form.cleaned_data
            try:
                report = services.mark_files(observatory, data["files"], data["mark_as"] == "bad",
                                             user=request.user.get_username(),
                                             why=data["reason"])
            except CrdsError as exc:
                error = str(exc)
    else:
        form = MarkBadForm()
    return render(request, "operations/mark_bad.html", {
        "form": form, "observatory": observatory, "error_message": error, "report": report,
        "bad_files": queries.bad_files(observatory)})

"""Submission pages: the forms that start a submission, the result (review) page, confirm and
cancel, the progress replay and the ReDCaT field description (SERVER.md §1.10, §1.13–§1.20).

A form's POST takes the user's uploads, records the submission and puts its processing on the
task queue (:func:`.processing.enqueue`); the page answers at once with links to follow it.
Errors are shown as ``<div id="error_message">``. Input and state errors (a form field, missing
or incomplete uploads, a refused confirm) answer 200: ``crds submit`` shows that div's text only
on a 2xx page and reports a bare status otherwise (PROTOCOL.md §7.2). Refused permissions answer
403.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencrds.rules.errors import CrdsError

from ..accounts import locks, roles, served
from ..catalog import queries
from ..catalog.models import FileRecord
from ..web.picker import ContextPicker
from . import forms, redcat, review, services
from .jpoll.views import SESSION_KEY
from .models import JpollMessage, Submission
from .processing import enqueue
from .uploads import area

Kind = Submission.Kind

#: kind -> (form class, page title, whether uploaded files are needed)
FORMS: dict[str, tuple[type[forms.forms.Form], str, bool]] = {
    Kind.BATCH: (forms.BatchForm, "Batch Submit References", True),
    Kind.REDCAT: (forms.RedcatForm, "Extended Batch Submit References", True),
    Kind.REFERENCES: (forms.ReferencesForm, "Submit References", True),
    Kind.MAPPINGS: (forms.MappingsForm, "Submit Mappings", True),
    Kind.ADD: (forms.AddDeleteForm, "Add References", False),
    Kind.DELETE: (forms.AddDeleteForm, "Delete References", False),
    Kind.CERTIFY: (forms.CertifyForm, "Certify Files", True),
}


def _observatory() -> str:
    return queries.server_observatory()


def _instruments(observatory: str) -> tuple[str, ...]:
    return tuple(served.instruments(observatory))


#: The status of a page that reports an input or state error (see the module documentation).
INPUT_ERROR = 200


def error_page(request: HttpRequest, message: str, status: int = INPUT_ERROR,
               title: str = "Error") -> HttpResponse:
    """A page that shows ``message`` in the error div ``crds submit`` reads."""
    return render(request, "submissions/error.html", {"title": title, "error": message},
                  status=status)


def _base_url(request: HttpRequest) -> str:
    return getattr(settings, "OPENCRDS_PUBLIC_URL", None) or request.build_absolute_uri("/")[:-1]


def _make_form(kind: str, request: HttpRequest, observatory: str) -> forms.forms.Form:
    form_class = FORMS[kind][0]
    data = request.POST if request.method == "POST" else None
    if form_class is forms.RedcatForm:
        return form_class(data, observatory=observatory, instruments=_instruments(observatory))
    return form_class(data, observatory=observatory)


def _fields(kind: str, form: Any) -> dict[str, Any]:
    """What the submission records of a valid form."""
    data = form.cleaned_data
    fields: dict[str, Any] = {
        key: data[key] for key in ("description", "creator", "change_level", "auto_rename",
                                   "compare_old_reference", "generate_contexts")
        if key in data and data[key] not in (None, "")}
    fields["derive_from"] = form.derive_from()
    if kind == Kind.REDCAT:
        fields["redcat"] = form.redcat_values()
    if kind == Kind.ADD:
        fields["added"] = data["names"]
    if kind == Kind.DELETE:
        fields["deleted"] = data["names"]
    if data.get("jpoll_key"):
        fields["channel"] = data["jpoll_key"]
    return fields


#: kind -> (what the page is for, the submit button's text, the context picker's legend)
PAGES: dict[str, tuple[str, str, str]] = {
    Kind.BATCH: ("Deliver new references: they are certified, renamed, and inserted into new rules "
                 "(rmaps, imaps and a pmap) derived from the chosen context.",
                 "Submit References", "Derive From Context"),
    Kind.REDCAT: ("Deliver new references with the ReDCaT delivery record: the answers are kept with "
                  "the submission, then the files go through batch submission.",
                  "Submit References", "Derive From Context"),
    Kind.REFERENCES: ("Deliver references without touching the rules: they are certified, "
                      "catalogued and archived until some rmap uses them.",
                      "Submit Files", "Comparison Context"),
    Kind.MAPPINGS: ("Deliver hand-edited mappings (mostly rmaps). With Generate Contexts, new imaps "
                    "and a pmap are derived from the chosen context.",
                    "Submit Files", "Derive From Context"),
    Kind.ADD: ("Insert references already in CRDS into new rules derived from the chosen context.",
               "Add References", "Derive From Context"),
    Kind.DELETE: ("Remove references from new rules derived from the chosen context; the files "
                  "stay in CRDS and in older contexts.", "Submit References",
                  "Derive From Context"),
    Kind.CERTIFY: ("Check uploaded files as a delivery would, comparing tables with the references "
                   "they would replace in the comparison context. Nothing is changed.",
                   "Certify Files", "Comparison Context"),
}
#: Form fields the page does not show as fields: the picker's, and hidden ones.
PICKER_FIELDS = ("pmap_mode", "pmap_name", "pmap_text", "pmap_menu", "jpoll_key")
#: The names CRDS gives the file list of the add and delete forms.
NAMES_FIELD = {Kind.ADD: ("added_files", "Added Files"),
               Kind.DELETE: ("deleted_files", "Deleted Files")}


def _form_page(request: HttpRequest, kind: str, form: Any, observatory: str,
               needs_files: bool) -> HttpResponse:
    """The GET page of a submission form: its fields, the context picker and, when the kind
    takes files, the upload manager."""
    title = FORMS[kind][1]
    intro, button, legend = PAGES.get(kind, ("", "Submit", "Context"))
    hidden = set(PICKER_FIELDS) | {"names"}
    if kind != Kind.REDCAT:
        hidden.add("instrument")  # the lock's instrument; the ReDCaT form asks for it
    context: dict[str, Any] = {
        "title": title, "form": form, "kind": kind, "needs_files": needs_files,
        "intro": intro, "submit_label": button,
        "fields": [form[name] for name in form.fields if name not in hidden],
        "picker": ContextPicker.from_data(observatory, request.GET, default_mode="pmap_edit",
                                          legend=legend),
        "names_field": NAMES_FIELD.get(kind)}
    if needs_files:
        context["uploads"] = area.list_uploads(request.user)
    return render(request, "submissions/form.html", context)


def _start(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the form. POST: start the submission of ``kind``."""
    observatory = _observatory()
    form_class, title, needs_files = FORMS[kind]
    form = _make_form(kind, request, observatory)
    if request.method == "GET":
        return _form_page(request, kind, form, observatory, needs_files)
    lock = locks.current_lock(request.user)
    instrument = lock.instrument if lock else ""
    if kind not in (Kind.CERTIFY,):
        if lock is None:
            return error_page(request, "log in with an instrument locked to submit files",
                              status=403, title=title)
        if not roles.may_submit(request.user, observatory, instrument):
            return error_page(request, f"'{request.user}' may not submit files for "
                              f"{observatory} {instrument}", status=403, title=title)
    if not form.is_valid():
        return error_page(request, forms.form_errors(form), title=title)
    try:
        fields = _fields(kind, form)
    except forms.forms.ValidationError as exc:
        return error_page(request, " ".join(exc.messages), title=title)
    # a channel opened for this form (crds opens one, then posts without its key); used once
    session_key = request.session.pop(SESSION_KEY, None)
    fields.setdefault("channel", session_key)
    fields["base_url"] = _base_url(request)
    fields["instrument"] = instrument
    files = []
    incoming = None
    try:
        if needs_files:
            settings.OPENCRDS_STAGING.mkdir(parents=True, exist_ok=True)
            incoming = tempfile.mkdtemp(prefix="incoming-", dir=settings.OPENCRDS_STAGING)
            files = area.take_uploads(request.user, incoming)
            if not files:
                return error_page(request, "no files uploaded: upload the files first",
                                  title=title)
        submission = services.create_submission(request.user, kind, observatory, fields, files)
    except CrdsError as exc:
        return error_page(request, str(exc), title=title)
    finally:
        if incoming is not None:
            shutil.rmtree(incoming, ignore_errors=True)
    enqueue(submission)
    return _started(request, title, submission)




def _started(request: HttpRequest, title: str, submission: Submission) -> HttpResponse:
    """The page a posted form answers: links to the result, and the live progress."""
    return render(request, "submissions/started.html",
                  {"title": title, "submission": submission,
                   "result_url": f"/display_result/{submission.id}"}, status=200)


def _submission_view(kind: str) -> Callable[[HttpRequest], HttpResponse]:
    @roles.login_required_page
    @ensure_csrf_cookie
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest) -> HttpResponse:
        return _start(request, kind)

    view.__name__ = f"submit_{kind}"
    view.__doc__ = f"The {FORMS[kind][1]} form."
    return view


batch_submit_references = _submission_view(Kind.BATCH)
redcat_submit = _submission_view(Kind.REDCAT)
submit_references = _submission_view(Kind.REFERENCES)
submit_mappings = _submission_view(Kind.MAPPINGS)
add_references = _submission_view(Kind.ADD)
delete_references = _submission_view(Kind.DELETE)
certify_files = _submission_view(Kind.CERTIFY)


@require_GET
def redcat_description(request: HttpRequest) -> HttpResponse:
    """The ReDCaT field list as YAML (public)."""
    return HttpResponse(redcat.description_yaml(), content_type="text/yaml; charset=utf-8")


def _submission(result_id: str) -> Submission:
    try:
        return Submission.objects.get(pk=uuid.UUID(str(result_id)))
    except (ValueError, Submission.DoesNotExist):
        raise Http404(f"no submission '{result_id}'") from None


def _result_context(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    user = request.user
    result = submission.result or {}
    may_act = (user.is_authenticated and submission.status == Submission.Status.READY
               and (submission.user_id == user.pk or roles.is_operator(user)))
    messages: list[JpollMessage] = []
    if submission.status == Submission.Status.STARTED and submission.channel_id:
        # without its 'done' (the page follows from the last line shown, and reloads on 'done')
        messages = list(JpollMessage.objects.filter(channel_id=submission.channel_id)
                        .exclude(type="done"))
    delivery = getattr(submission, "delivery", None) if submission.is_final else None
    return {"title": f"Submission {submission.id}", "submission": submission,
            "result": result, "may_act": may_act,
            "may_force": may_act and roles.is_operator(user) and submission.user_id != user.pk,
            "certify": review.certify_entries(result.get("files") or []),
            "diffs": review.diff_entries(result.get("diffs") or []),
            "redcat": review.redcat_rows(submission.parameters.get("redcat") or {}),
            "messages": messages, "last_id": messages[-1].pk if messages else 0,
            "delivery": delivery}


@ensure_csrf_cookie
@require_GET
def display_result(request: HttpRequest, result_id: str) -> HttpResponse:
    """The stored result (review) page of a submission; actions for its submitter."""
    submission = _submission(result_id)
    return render(request, "submissions/result.html", _result_context(request, submission))


authenticated_result = roles.login_required_page(display_result)


@require_GET
def monitor(request: HttpRequest, result_id: str) -> HttpResponse:
    """The progress messages of a submission, as they were streamed."""
    submission = _submission(result_id)
    messages = list(JpollMessage.objects.filter(channel_id=submission.channel_id)
                    if submission.channel_id else JpollMessage.objects.none())
    return render(request, "submissions/monitor.html",
                  {"title": f"Progress of {submission.id}", "submission": submission,
                   "messages": messages, "last_id": messages[-1].pk if messages else 0})


@roles.login_required_page
@require_POST
def submit_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm, cancel or force a READY submission (``results_id``, ``button``)."""
    submission = _submission(request.POST.get("results_id", ""))
    button = request.POST.get("button", "")
    if submission.status == Submission.Status.DONE:  # certify/difference: nothing to confirm
        return render(request, "submissions/result.html", _result_context(request, submission))
    try:
        if button == "confirm":
            services.confirm(submission, request.user)
        elif button == "force":
            services.confirm(submission, request.user, force=True)
        elif button == "cancel":
            services.cancel(submission, request.user, "cancelled by the submitter")
        else:
            return error_page(request, f"unknown action '{button}'")
    except (services.SubmissionForbidden, locks.LockError) as exc:
        return error_page(request, str(exc), status=403)
    except CrdsError as exc:
        return error_page(request, str(exc))
    submission.refresh_from_db()
    return render(request, "submissions/result.html", _result_context(request, submission))


# ---- Difference Files (SERVER.md §1.14) -------------------------------------------------------


def _difference_sources(request: HttpRequest, observatory: str, names: list[str]
                        ) -> list[Any]:
    """The uploads among ``names`` (to be copied to staging); every other name must be a
    file of the catalog, else a ``CrdsError`` naming it."""
    uploads = {u.name: u for u in area.list_uploads(request.user)}
    chosen = []
    for name in names:
        upload = uploads.get(name)
        if upload is not None:
            if not upload.complete:
                raise CrdsError(f"'{name}' is still being uploaded")
            chosen.append(upload)
        elif not FileRecord.objects.filter(observatory=observatory, name=name).exists():
            raise CrdsError(f"'{name}' is neither an uploaded file nor a file of "
                            f"{observatory}")
    return chosen


@roles.login_required_page
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def difference_files(request: HttpRequest) -> HttpResponse:
    """GET: the Difference Files form (``file1``, ``file2``: each a CRDS name or an upload).
    POST: start a DIFFERENCE submission; its result page shows the differences. The uploads
    named are taken from the upload area (the others stay)."""
    observatory = _observatory()
    title = "Difference Files"
    form = forms.DifferenceForm(request.POST if request.method == "POST" else None)
    context = {"title": title, "form": form, "kind": Kind.DIFFERENCE, "needs_files": True}
    if request.method == "GET":
        context["uploads"] = area.list_uploads(request.user)
        return render(request, "submissions/form.html", context)
    if not form.is_valid():
        return error_page(request, forms.form_errors(form), title=title)
    names = [form.cleaned_data["file1"].strip(), form.cleaned_data["file2"].strip()]
    fields: dict[str, Any] = {"file1": names[0], "file2": names[1],
                              "channel": form.cleaned_data.get("jpoll_key")
                              or request.session.get("jpoll_key"),
                              "base_url": _base_url(request)}
    settings.OPENCRDS_STAGING.mkdir(parents=True, exist_ok=True)
    incoming = tempfile.mkdtemp(prefix="incoming-", dir=settings.OPENCRDS_STAGING)
    try:
        files: dict[str, Path] = {}  # a file differenced with itself is copied once
        for upload in _difference_sources(request, observatory, names):
            files.setdefault(upload.name, Path(shutil.copy(upload.path,
                                                           Path(incoming) / upload.name)))
        submission = services.create_submission(request.user, Kind.DIFFERENCE, observatory,
                                                fields, list(files.values()))
        for name in files:  # taken, as the other forms take theirs
            area.delete_upload(request.user, name)
    except CrdsError as exc:
        return error_page(request, str(exc), title=title)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    enqueue(submission)
    return render(request, "submissions/started.html",
                  {"title": title, "submission": submission}, status=200)

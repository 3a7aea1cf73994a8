"""The browse pages: the database search, one file's page and the JSON-RPC browser."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from ...accounts.roles import is_admin
from ...catalog import queries
from ...catalog.filestore import is_safe_name
from .. import exports
from . import database, details, relations, rpc_catalog
from .contents import reference_contents
from .highlight import highlight_mapping
from .useafter_chart import useafter_picture

#: Most characters of mapping text highlighted on the page (the rest: download).
MAPPING_TEXT_LIMIT = 150_000
#: Most rows of an rmap's rules table.
RULE_ROWS_LIMIT = 300


# ---- /browse_db/ ----------------------------------------------------------------------------


@require_GET
def browse_db(request: HttpRequest) -> HttpResponse:
    """The filter form and a page of matching files; ``?format=csv|json`` exports them all."""
    observatory = queries.server_observatory()
    data = request.GET.copy()
    data.pop("format", None)
    data.pop("page", None)
    form = database.BrowseForm(observatory, data or None)
    wanted = exports.requested_format(request)
    if data and not form.is_valid():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        if wanted != "html":
            return exports.json_page({"error": message}, status=400)
        return render(request, "web/browse/browse_db.html",
                      {"form": form, "error_message": message, "observatory": observatory})
    filters = form.cleaned_data if data else {}
    query = database.search(observatory, filters)
    if wanted == "json":
        return exports.json_page(database.rows(query))
    if wanted == "csv":
        return exports.csv_page([heading for _f, heading in database.COLUMNS],
                                ([row[f] for f in database.FIELDS] for row in database.rows(query)),
                                f"{observatory}_files.csv")
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    found, first, last, total = database.page(query, number)
    number = (first - 1) // database.PAGE_SIZE + 1 if first else 1
    base = data.urlencode()

    def link(**extra: Any) -> str:
        return "?" + "&".join(part for part in (base, urlencode(extra)) if part)

    return render(request, "web/browse/browse_db.html", {
        "form": form, "observatory": observatory, "columns": database.COLUMNS, "rows": found,
        "first": first, "last": last, "total": total, "page_number": number,
        "previous_url": link(page=number - 1) if number > 1 else "",
        "next_url": link(page=number + 1) if last < total else "",
        "csv_url": link(format="csv"), "json_url": link(format="json"),
        "filtered": bool(data),
    })


# ---- /browse/<file> -------------------------------------------------------------------------


def _record(observatory: str, name: str) -> dict[str, Any] | None:
    return queries.file_record(observatory, name) if is_safe_name(name) else None


@require_GET
def browse_file(request: HttpRequest, filename: str) -> HttpResponse:
    """One file's page (or its JSON form): catalog fields, contents, actions, users, versions,
    and for references the lookup patterns and constraints; for rmaps the UseAfter picture."""
    observatory = queries.server_observatory()
    wanted = exports.requested_format(request)
    record = _record(observatory, filename)
    if record is None:
        if wanted != "html":
            return exports.json_page({"error": f"File '{filename}' is not known to CRDS."},
                                     status=404)
        raise Http404(f"no file {filename}")
    name = record["name"]
    is_mapping = record["type"] == "mapping"
    database_rows = details.database_rows(record)
    actions = details.past_actions(observatory, name)
    users = relations.used_by(observatory, name, record)
    page: dict[str, Any] = {
        "observatory": observatory, "name": name, "record": record, "is_mapping": is_mapping,
        "database_rows": database_rows, "actions": actions, "used_by": users,
        "kind": name.rsplit(".", 1)[-1] if is_mapping else "reference",
    }
    if is_mapping:
        page["versions"] = details.mapping_versions(observatory, name, record)
    else:
        page["lookup"] = details.lookup_patterns(observatory, record, users["rmaps"])
    if wanted != "html":
        return exports.json_page(_json_form(page))
    branch = "mappings" if is_mapping else "references"
    page["download_url"] = (f"/unchecked_get/{branch}/{observatory}/{name}"
                            if record["available"] else "")
    if name.endswith(".pmap"):
        page["diff_choices"] = details.predecessor_pmaps(observatory, name)
    if is_admin(request.user):
        try:
            page["admin_url"] = reverse("admin:catalog_filerecord_change", args=[record["id"]])
        except NoReverseMatch:
            pass
    if is_mapping:
        _mapping_sections(page, name, record)
    else:
        page["contents"] = reference_contents(observatory, name)
        page["constraints"] = details.constraints(observatory, record)
    return render(request, "web/browse/file.html", page)


def _mapping_sections(page: dict[str, Any], name: str, record: dict[str, Any]) -> None:
    if not record["available"]:
        page["mapping_problem"] = "the server does not hold this mapping's text"
        return
    mapping, problem = details.load_mapping(name)
    page["mapping_problem"] = problem
    if mapping is None:
        return
    text = mapping.parsed.text
    page["mapping_html"] = _highlighted(name, text)
    page["mapping_truncated"] = len(text) > MAPPING_TEXT_LIMIT
    if name.endswith(".rmap"):
        rows = details.rmap_rows(mapping)
        page["parameters"] = relations.rmap_parameters(mapping)
        page["rule_rows"] = rows[:RULE_ROWS_LIMIT]
        page["rule_rows_total"] = len(rows)
        page["picture"] = _picture(name, mapping)


@functools.lru_cache(maxsize=16)
def _highlighted(name: str, text: str) -> str:
    return highlight_mapping(text[:MAPPING_TEXT_LIMIT])


def _picture(name: str, mapping: Any) -> Any:
    cached = mapping.__dict__.get("_browse_picture")
    if cached is None:
        cached = mapping.__dict__["_browse_picture"] = useafter_picture(
            name, details.rmap_rows(mapping))
    return cached


def _json_form(page: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable page: catalog fields, users, actions, versions, lookup patterns."""
    result: dict[str, Any] = {
        "name": page["name"],
        "database": {field: value for field, _label, value in page["database_rows"]},
        "used_by": page["used_by"], "actions": page["actions"],
    }
    if "versions" in page:
        result["versions"] = page["versions"]
    if "lookup" in page:
        result["lookup_patterns"] = page["lookup"]
    return result


# ---- /json/browse/ --------------------------------------------------------------------------


@require_GET
def json_browse(request: HttpRequest) -> HttpResponse:
    """Every JSON-RPC method with its parameters and documentation, and a try-it form each."""
    found = rpc_catalog.methods()
    if exports.requested_format(request) == "json":
        return exports.json_page([m.as_json() for m in found])
    observatory = queries.server_observatory()
    values = rpc_catalog.example_values(
        observatory, queries.default_contexts(observatory).get("operational", ""))
    return render(request, "web/browse/json_browse.html", {
        "methods": [(m, m.example(values)) for m in found], "observatory": observatory})

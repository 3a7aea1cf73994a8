"""HTML of the long context tables, built in Python: the template engine took hundreds of
milliseconds for the ~500 rows of HST's and JWST's history."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from .history import ContextRow


def context_rows_html(rows: list[ContextRow], table_id: str, date_label: str) -> SafeString:
    """A ``table.data`` of contexts (date, link, status, description, a diff checkbox) in a
    ``form.diff-select`` that GETs ``/difference/`` with the two contexts checked."""
    parts = [f'<form class="diff-select" method="get" action="/difference/">'
             f'<div class="table-wrap"><table class="data contexts" id="{escape(table_id)}">'
             f'<thead><tr><th scope="col">{escape(date_label)}</th><th scope="col">Context</th>'
             '<th scope="col">Status</th><th scope="col">Description</th><th scope="col">'
             '<button type="submit" title="difference of the two contexts checked">diff</button>'
             "</th></tr></thead><tbody>"]
    for row in rows:
        name, status = escape(row.context), escape(row.status)
        parts.append(f'<tr data-context="{name}"><td class="mono">{escape(row.date_text)}</td>'
                     f'<td><a href="/context_table/{name}">{name}</a></td>'
                     f'<td><span class="status-{status}">{status}</span></td>'
                     f'<td class="description">{escape(row.description)}</td>'
                     f'<td><label><input type="checkbox" name="file" value="{name}">'
                     f'<span class="sr-only">compare {name}</span></label></td></tr>')
    if not rows:
        parts.append('<tr><td colspan="5" class="na">None.</td></tr>')
    parts.append("</tbody></table></div></form>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)

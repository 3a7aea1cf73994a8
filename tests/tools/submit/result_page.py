"""A result page in the shape the server renders a ``Submission.result`` (RESULT SHAPE of
#13): what the client's parser is tested on, here and by the spec server."""

from __future__ import annotations

from html import escape
from typing import Any

RESULT = {
    "starting_context": "jwst_0541.pmap", "new_context": "jwst_0542.pmap",
    "files": [
        {"uploaded": "my dark.fits", "name": "jwst_miri_dark_0096.fits", "status": "OK",
         "instrument": "miri", "filekind": "dark", "sha1sum": "ab" * 20, "size": 123,
         "log": ["INFO - fine"]},
        {"uploaded": "flat.fits", "name": "jwst_miri_flat_0042.fits", "status": "Warnings",
         "instrument": "miri", "filekind": "flat", "sha1sum": "cd" * 20, "size": 456,
         "log": ["WARNING - odd"]},
    ],
    "generated": ["jwst_miri_dark_0051.rmap", "jwst_miri_0300.imap", "jwst_0542.pmap"],
    "diffs": [{"old": "jwst_0541.pmap", "new": "jwst_0542.pmap", "actions": [],
               "text": "..."}],
    "collisions": [], "errors": [], "warnings": ["odd"],
}


def result_page(result: dict[str, Any] = RESULT, *, confirmed: bool = False,
                error: str = "") -> str:
    """The review page (``confirmed``: the confirmation page, names as links)."""
    rows = []
    for entry in result["files"]:
        name = escape(entry["name"])
        cell = f'<a href="/browse/{name}">{name}</a>' if confirmed else name
        rows.append(f'<tr><td>{escape(entry["uploaded"])}</td>'
                    f'<td id="{escape(entry["uploaded"])}">{cell}</td>'
                    f'<td>{escape(entry["status"])}</td></tr>')
    errors = "".join(f"<li>{escape(text)}</li>" for text in result["errors"])
    diffs = "".join(f"<h3>Logical Diff ('{escape(d['old'])}', '{escape(d['new'])}')</h3>"
                    for d in result["diffs"])
    return f"""<!DOCTYPE html><html><head><title>Submission results</title></head><body>
<div id="error_message">{escape(error)}</div>
<p>Derived from <span id="starting_context">{escape(result["starting_context"])}</span>
to <span id="new_context">{escape(result["new_context"])}</span></p>
<ul class="errors">{errors}</ul>
<table><tr><th>uploaded</th><th>name</th><th>status</th></tr>{''.join(rows)}</table>
{diffs}
<form method="post" action="/submit_confirm_pipeline/"><input type="hidden" name="results_id">
<button name="button" value="confirm">Confirm</button></form></body></html>"""

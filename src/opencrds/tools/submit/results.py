"""What a submission produced, read from its result (or confirmation) page and the server
(PROTOCOL.md §7.3 step 13): the official name of each uploaded file and the new context with
the mappings it added."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .pages import logical_diffs, texts_by_id

log = logging.getLogger("opencrds")

#: Element ids a result page may use to name the contexts (ours; crds reads Logical Diffs).
STARTING_CONTEXT_ID = "starting_context"
NEW_CONTEXT_ID = "new_context"


@dataclass
class SubmissionResults:
    """Uploaded name -> official name, the starting and new contexts, the mappings added."""

    names: dict[str, str] = field(default_factory=dict)
    starting_context: str = ""
    new_context: str = ""
    new_mappings: list[str] = field(default_factory=list)


def official_names(html: str, uploaded: Iterable[str]) -> dict[str, str]:
    """Uploaded basename -> the text (or link text) of the element ``id="<basename>"``."""
    return texts_by_id(html, list(uploaded))


def page_contexts(html: str) -> tuple[str, str]:
    """``(starting, new)`` .pmap names of a result page: from the elements
    ``id="starting_context"``/``id="new_context"``, else a ``.pmap`` Logical Diff; '' when
    not shown."""
    found = texts_by_id(html, (STARTING_CONTEXT_ID, NEW_CONTEXT_ID))
    old, new = found.get(STARTING_CONTEXT_ID, ""), found.get(NEW_CONTEXT_ID, "")
    for diff_old, diff_new in logical_diffs(html):
        if diff_new.endswith(".pmap"):
            old, new = old or diff_old, new or diff_new
    return (old if old.endswith(".pmap") else "", new if new.endswith(".pmap") else "")


def added_mappings(client: Any, old: str, new: str) -> list[str]:
    """The mappings of ``new`` that ``old`` does not have (JSON-RPC ``get_mapping_names``)."""
    before = set(client.call("get_mapping_names", old)) if old else set()
    return sorted(set(client.call("get_mapping_names", new)) - before)


def read_results(html: str, uploaded: Sequence[str], client: Any | None,
                 starting_context: str = "") -> SubmissionResults:
    """The results a page shows; the added mappings asked of ``client`` (errors only
    logged, as crds does). ``starting_context`` is used when the page does not name it."""
    old, new = page_contexts(html)
    old = old or starting_context
    results = SubmissionResults(official_names(html, uploaded), old, new)
    if new and client is not None:
        try:
            results.new_mappings = added_mappings(client, old, new)
        except Exception as exc:  # reporting only: the submission itself is done
            log.warning("Cannot list the mappings of '%s': %s", new, exc)
    return results


def log_results(results: SubmissionResults, uploaded: Sequence[str], *,
                confirmed: bool = True) -> None:
    """Log the uploaded -> official names and the new context (``confirmed``: delivered;
    else it awaits confirmation)."""
    for name in uploaded:
        official = results.names.get(name)
        if official:
            log.info("Uploaded '%s' --> '%s'", name, official)
        else:
            log.warning("No official name found for uploaded '%s'", name)
    if results.new_context:
        log.info("New context '%s' (from '%s')%s", results.new_context,
                 results.starting_context or "?", "" if confirmed else ", once confirmed")
        for name in results.new_mappings:
            log.info("New mapping '%s'", name)

"""Work the context pages do once, done ahead (at server start) or forgotten (tests)."""

from __future__ import annotations

import logging
import time

from django.template.loader import get_template

from ...catalog import queries
from . import activity, context_tables, history

log = logging.getLogger(__name__)


def warm_context_pages(observatory: str | None = None) -> float:
    """Build what the home page and the history timeline need from the mappings (the rules
    of the operational context, every activation's changes); returns the seconds it took."""
    started = time.perf_counter()
    observatory = observatory or queries.server_observatory()
    operational = queries.default_contexts(observatory).get("operational", "")
    if operational:
        context_tables.instruments(operational)
    history.changes(observatory)
    activity.deliveries_per_month(observatory)
    activity.recent_deliveries(observatory)
    for name in ("home", "context_history", "context_table", "context_instrument"):
        get_template(f"web/contexts/{name}.html")  # compiled once, kept by the cached loader
    seconds = time.perf_counter() - started
    log.info("context pages of %s warmed in %.1f s", observatory, seconds)
    return seconds


def forget_caches() -> None:
    """Drop what this package keeps for the life of the process (mapping-derived values)."""
    for function in (context_tables._rules, context_tables._instrument,  # noqa: SLF001
                     context_tables._kept_html,  # noqa: SLF001
                     history._children, history._rule_lines,  # noqa: SLF001
                     history._rmap_change, history._imap_change):  # noqa: SLF001
        function.cache_clear()

"""Loading the operational context before the server forks its workers."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("opencrds.server")


def warm_operational_context() -> None:
    """Parse the operational context and all its rules, and build the server info's download
    metadata, once, to be shared by every worker (they inherit the revision cache holding
    them, valid until the catalog changes)."""
    from django.db import connections
    from django.urls import get_resolver

    from .catalog import contexts, queries
    from .rpc.serverinfo import server_info

    started = time.perf_counter()
    try:
        observatory = queries.server_observatory()
        name = queries.default_contexts(observatory)["operational"]
        if name:
            pmap = contexts.load(name)
            for imap in pmap.children():
                imap.children()
            log.info("loaded %s in %.1f s", name, time.perf_counter() - started)
        server_info()
        get_resolver().resolve("/json/")  # imports the URL configuration and the views
    except Exception as exc:  # serving still works; contexts then load on first use
        log.warning("could not preload the operational context: %s", exc)
    finally:
        connections.close_all()

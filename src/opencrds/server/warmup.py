"""Loading the operational context and warming the web pages before the server forks its workers."""

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
        _warm_pages(observatory)
    except Exception as exc:  # serving still works; contexts then load on first use
        log.warning("could not preload the operational context: %s", exc)
    finally:
        connections.close_all()


def _warm_pages(observatory: str) -> None:
    """What the first visitor of the home, history and browse pages would otherwise wait for
    (1-2 s on HST): the context tables and history timeline, the pmap/imap indexes, the
    certify definitions and the FITS reader."""
    from .web.browse import warm as warm_browse
    from .web.contexts.warm import warm_context_pages

    started = time.perf_counter()
    warm_context_pages(observatory)
    warm_browse(observatory)
    log.info("web pages of %s warmed in %.1f s", observatory, time.perf_counter() - started)

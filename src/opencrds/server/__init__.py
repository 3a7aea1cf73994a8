"""The OpenCRDS server: a Django project speaking the CRDS JSON-RPC protocol.

Apps: ``catalog`` (file records, contexts, history, audit log, cache import) and ``rpc``
(JSON-RPC at ``/json/``, file downloads at ``/unchecked_get/``, ``/health``). Everything the
server keeps lives under ``$OPENCRDS_HOME`` (see :mod:`opencrds.server.home`).
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "opencrds.server.settings"


def setup() -> None:
    """Configure Django for this process (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()

"""The OpenCRDS server: a Django project speaking the CRDS JSON-RPC protocol.

Apps: ``catalog`` (file records, contexts, history, audit log, cache import) and ``rpc``
(JSON-RPC at ``/json/``, file downloads at ``/unchecked_get/``, ``/health``). Everything the
server keeps lives under ``$OPENCRDS_HOME`` (see :mod:`opencrds.server.home`). Its commands,
``opencrds serve`` and ``opencrds manage``, are :mod:`opencrds.server.serve` and
:mod:`opencrds.server.manage`.
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "opencrds.server.settings"


def setup() -> None:
    """Start this process as a server process: prepare the data folder
    (:func:`opencrds.server.startup.prepare_home`), then configure Django (idempotent)."""
    from .startup import prepare_home

    prepare_home()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)  # Django's convention
    import django

    django.setup()

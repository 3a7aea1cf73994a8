"""The CRDS protocol app: JSON-RPC at ``/json/`` (PROTOCOL.md), file downloads at
``/unchecked_get/`` and ``/unchecked_bundle/``, and ``/health``.

It reads the catalog through :mod:`opencrds.server.catalog` (queries, contexts, services, the
file store) and turns domain errors into wire errors in one table (:mod:`.errors`).
"""

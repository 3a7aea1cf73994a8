"""JSON-RPC at ``/json/`` (PROTOCOL.md), file downloads at ``/unchecked_get/`` and ``/health``."""

"""The ``get_server_info`` dictionary (PROTOCOL.md §3), cached per catalog revision."""

from __future__ import annotations

import pprint
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

import opencrds

from ..catalog import queries
from ..catalog.revision_cache import Revision, cache
from .jsonrpc import crds_encode

MAX_PER_RPC = 1000


def base_url(request: HttpRequest | None) -> str:
    """The URL clients reach this server at (``OPENCRDS_PUBLIC_URL`` wins)."""
    if settings.OPENCRDS_PUBLIC_URL or request is None:
        return settings.OPENCRDS_PUBLIC_URL or "http://localhost:8000"
    return request.build_absolute_uri("/").rstrip("/")


def _urls(base: str, branch: str, observatory: str) -> dict[str, dict[str, str]]:
    url = f"{base}/unchecked_get/{branch}/{observatory}/"
    return {"checked": {observatory: url}, "unchecked": {observatory: url}}


def _catalog_info(observatory: str, revision: Revision) -> dict[str, Any]:
    """The server info of one catalog revision, without the URLs (they depend on the
    request); ``None`` values mark where the URLs go, to keep the order of the keys."""
    files = queries.available_files(observatory)
    metadata = {name: {"sha1sum": sha1 or "none", "size": str(size)}
                for name, _kind, sha1, size in files}
    mappings = [name for name, kind, _sha1, _size in files if kind == "mapping"]
    defaults = queries.default_contexts(observatory)
    operational = defaults["operational"]
    stamp = queries.format_date(revision.updated or timezone.now())
    info: dict[str, Any] = {
        "observatory": observatory,
        "operational_context": operational,
        "latest_context": operational,
        "edit_context": defaults["edit"] or operational,
        "versions_context": defaults["versions"],
        "bad_files_list": queries.bad_files(observatory),
        "mappings": mappings,
        "mapping_url": None,
        "reference_url": None,
        "config_url": None,
        "download_metadata": crds_encode(metadata),
        "force_remote_mode": 0,
        "max_headers_per_rpc": MAX_PER_RPC,
        "max_bestrefs_per_rpc": MAX_PER_RPC,
        "crds_version": {"str": opencrds.__version__, "rev": "opencrds", "svnurl": "/"},
        "context_history": queries.context_history(observatory),
        "last_synced": stamp,
        "last_refreshed": stamp,
        "updated": stamp,
    }
    banner = [context for _calver, context, flag in queries.build_contexts(observatory) if flag]
    if banner:
        info["build_context"] = banner[0]
    return info


def server_info(request: HttpRequest | None = None) -> dict[str, Any]:
    """The server info dict for the observatory served, as ``get_server_info`` returns it,
    with URLs on the base URL ``request`` was made to."""
    observatory = queries.server_observatory()
    info = dict(cache.get(observatory, "server info",
                          lambda revision: _catalog_info(observatory, revision)))
    base = base_url(request)
    info["mapping_url"] = _urls(base, "mappings", observatory)
    info["reference_url"] = _urls(base, "references", observatory)
    info["config_url"] = _urls(base, "config", observatory)
    return info


def server_config_text(request: HttpRequest | None = None) -> str:
    """``server_config`` as a Python literal, the form clients cache and read back."""
    return pprint.pformat(server_info(request)) + "\n"

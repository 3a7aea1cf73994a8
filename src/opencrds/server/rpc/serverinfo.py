"""The ``get_server_info`` dictionary (PROTOCOL.md §3), cached per catalog revision."""

from __future__ import annotations

import pprint
import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

import opencrds

from ...protocol import ServerInfo
from ...protocol.downloads import branch_urls, encode_metadata
from ..catalog import queries
from .jsonrpc import ENCODE_LEVEL

MAX_PER_RPC = 1000

_lock = threading.Lock()
_metadata: dict[tuple[str, int], tuple[dict[str, str], list[str]]] = {}
_info: dict[tuple[str, int, str], dict[str, Any]] = {}


def base_url(request: HttpRequest | None) -> str:
    """The URL clients reach this server at (``OPENCRDS_PUBLIC_URL`` wins)."""
    if settings.OPENCRDS_PUBLIC_URL or request is None:
        return settings.OPENCRDS_PUBLIC_URL or "http://localhost:8000"
    return request.build_absolute_uri("/").rstrip("/")


def _download_metadata(observatory: str, number: int) -> tuple[dict[str, str], list[str]]:
    """(encoded download_metadata, mapping names) of every downloadable file."""
    key = (observatory, number)
    cached = _metadata.get(key)
    if cached is None:
        files = queries.available_files(observatory)
        metadata = encode_metadata(((name, sha1, size) for name, _kind, sha1, size in files),
                                   ENCODE_LEVEL)
        mappings = [name for name, kind, _sha1, _size in files if kind == "mapping"]
        cached = (metadata, mappings)
        with _lock:
            _metadata.clear()
            _metadata[key] = cached
    return cached


def server_info(request: HttpRequest | None = None) -> dict[str, Any]:
    """The server info dict for the observatory served, as ``get_server_info`` returns it."""
    observatory = queries.server_observatory()
    number, updated = queries.revision(observatory)
    base = base_url(request)
    key = (observatory, number, base)
    info = _info.get(key)
    if info is not None:
        return info
    metadata, mappings = _download_metadata(observatory, number)
    defaults = queries.default_contexts(observatory)
    operational = defaults["operational"]
    stamp = queries.format_date(updated or timezone.now())
    banner = [context for _calver, context, flag in queries.build_contexts(observatory) if flag]
    info = ServerInfo(
        observatory=observatory,
        operational_context=operational,
        latest_context=operational,
        edit_context=defaults["edit"] or operational,
        versions_context=defaults["versions"],
        bad_files_list=tuple(queries.bad_files(observatory)),
        mappings=tuple(mappings),
        mapping_url=branch_urls(base, "mappings", observatory),
        reference_url=branch_urls(base, "references", observatory),
        config_url=branch_urls(base, "config", observatory),
        download_metadata=metadata,
        force_remote_mode=0,
        max_headers_per_rpc=MAX_PER_RPC,
        max_bestrefs_per_rpc=MAX_PER_RPC,
        crds_version={"str": opencrds.__version__, "rev": "opencrds", "svnurl": "/"},
        context_history=queries.context_history(observatory),
        last_synced=stamp,
        last_refreshed=stamp,
        updated=stamp,
        build_context=banner[0] if banner else None,
    ).to_wire()
    with _lock:
        if len(_info) > 16 or any(k[1] != number for k in _info):
            _info.clear()
        _info[key] = info
    return info


def server_config_text(request: HttpRequest | None = None) -> str:
    """``server_config`` as a Python literal, the form clients cache and read back."""
    return pprint.pformat(server_info(request)) + "\n"

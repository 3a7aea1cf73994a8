"""The ``get_server_info`` dictionary (PROTOCOL.md §3), cached per catalog revision."""

from __future__ import annotations

import pprint
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

import opencrds

from ...protocol import ServerInfo
from ...protocol.downloads import branch_urls, encode_metadata
from ..catalog import queries
from ..catalog.revision_cache import Revision, cache
from .jsonrpc import ENCODE_LEVEL

MAX_PER_RPC = 1000


def base_url(request: HttpRequest | None) -> str:
    """The URL clients reach this server at (``OPENCRDS_PUBLIC_URL`` wins)."""
    if settings.OPENCRDS_PUBLIC_URL or request is None:
        return settings.OPENCRDS_PUBLIC_URL or "http://localhost:8000"
    return request.build_absolute_uri("/").rstrip("/")


def _catalog_info(observatory: str, revision: Revision) -> ServerInfo:
    """The server info of one catalog revision; its URLs (which depend on the request) are
    empty placeholders that keep the order of the keys."""
    files = queries.available_files(observatory)
    metadata = encode_metadata(((name, sha1, size) for name, _kind, sha1, size in files),
                               ENCODE_LEVEL)
    mappings = [name for name, kind, _sha1, _size in files if kind == "mapping"]
    defaults = queries.default_contexts(observatory)
    operational = defaults["operational"]
    stamp = queries.format_date(revision.updated or timezone.now())
    banner = [context for _calver, context, flag in queries.build_contexts(observatory) if flag]
    return ServerInfo(
        observatory=observatory,
        operational_context=operational,
        latest_context=operational,
        edit_context=defaults["edit"] or operational,
        versions_context=defaults["versions"],
        bad_files_list=tuple(queries.bad_files(observatory)),
        mappings=tuple(mappings),
        mapping_url={},
        reference_url={},
        config_url={},
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
    )


def server_info(request: HttpRequest | None = None) -> dict[str, Any]:
    """The server info dict for the observatory served, as ``get_server_info`` returns it,
    with URLs on the base URL ``request`` was made to."""
    observatory = queries.server_observatory()
    info = cache.get(observatory, "server info",
                     lambda revision: _catalog_info(observatory, revision))
    base = base_url(request)
    return info.replace(mapping_url=branch_urls(base, "mappings", observatory),
                        reference_url=branch_urls(base, "references", observatory),
                        config_url=branch_urls(base, "config", observatory)).to_wire()


def server_config_text(request: HttpRequest | None = None) -> str:
    """``server_config`` as a Python literal, the form clients cache and read back."""
    return pprint.pformat(server_info(request)) + "\n"

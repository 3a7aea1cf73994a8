"""Server info: fetched with ``get_server_info`` or, offline, read from the cache (§4.3), and
handed around as a typed :class:`~opencrds.protocol.ServerInfo`."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..cache.config import load_server_config, save_server_config
from ..protocol import ProtocolError, ServerInfo, crds_encode
from ..protocol.downloads import METADATA_FIELDS, URL_KEYS, unpack_urls
from ..rules.errors import CrdsError
from ..rules.parser import parse_literal
from .rpc import RpcClient, env_number, server_url

log = logging.getLogger("opencrds")
_NOT_ASKED = object()  # the server info carried its own download_metadata


class CrdsConfigError(CrdsError):
    """The server and the requested observatory disagree."""


def default_observatory(observatory: str | None = None) -> str:
    """``observatory``, ``$CRDS_OBSERVATORY``, a name in ``$CRDS_SERVER_URL``, else jwst."""
    if observatory:
        return observatory
    if env := os.environ.get("CRDS_OBSERVATORY"):
        return env.lower()
    from ..observatories import registered_observatories

    url = os.environ.get("CRDS_SERVER_URL", "")
    for name in registered_observatories():
        if name in url:
            return name
    return "jwst"


def normalize(wire: Mapping[str, Any], server: str) -> ServerInfo:
    """The ServerInfo of a raw ``get_server_info`` result, as the client keeps it: marked
    connected to ``server``, ``unchecked`` URLs unpacked, ``last_synced`` set if not sent."""
    if not isinstance(wire, Mapping):
        raise ProtocolError(f"server info must be an object, got {type(wire).__name__}")
    info = dict(wire)
    info.update(status="server", connected=True, server=server)
    for key in URL_KEYS:
        if key in info:
            info[key] = unpack_urls(info[key])
    info.setdefault("last_synced", str(datetime.now()))
    return ServerInfo.from_wire(info)


def fetch_server_info(observatory: str | None = None, client: RpcClient | None = None,
                      *, save: bool = False) -> ServerInfo:
    """Server info, online if possible, else the cached ``server_config``.

    With ``save`` a fresh (connected) answer is written back to the cache.
    """
    observatory = default_observatory(observatory)
    if os.environ.get("CRDS_CONFIG_URI"):
        return _check_observatory(config_uri_info(observatory), observatory,
                                  os.environ["CRDS_CONFIG_URI"])
    owned = client is None
    client = client or RpcClient(server_url(observatory))
    metadata: Any = _NOT_ASKED
    try:
        wire = client.call("get_server_info")
        if isinstance(wire, Mapping) and "download_metadata" not in wire:
            metadata = client.call("get_file_info_map", observatory, None, METADATA_FIELDS)
    except CrdsError as exc:
        log.debug("get_server_info failed (%s); using the cached server_config", exc)
        info = ServerInfo.from_wire(load_server_config(observatory))
    else:
        info = normalize(wire, client.url)
        if metadata is not _NOT_ASKED:
            info = info.replace(download_metadata=crds_encode(metadata))
    finally:
        if owned:
            client.close()
    info = _check_observatory(info, observatory, client.url)
    if save and info.connected:
        save_server_config(observatory, info)
    return info


def _check_observatory(info: ServerInfo, observatory: str, where: str) -> ServerInfo:
    if info.observatory != observatory:
        raise CrdsConfigError(
            f"CRDS server '{where}' for '{info.observatory}' is inconsistent with "
            f"observatory '{observatory}'.  Set CRDS_SERVER_URL and CRDS_OBSERVATORY to match.")
    return info


def config_uri_info(observatory: str) -> ServerInfo:
    """Server info read from ``$CRDS_CONFIG_URI/server_config`` (a Python literal, no
    JSON-RPC), marked ``connected=False``; the cached ``server_config`` if it cannot be read."""
    import httpx

    url = os.environ["CRDS_CONFIG_URI"].rstrip("/") + "/server_config"
    try:
        if url.startswith(("http://", "https://")):
            response = httpx.get(url, timeout=env_number("CRDS_CLIENT_TIMEOUT_SECONDS", 3600), follow_redirects=True)
            response.raise_for_status()
            text = response.text
        else:
            with open(url.removeprefix("file://"), encoding="utf-8") as stream:
                text = stream.read()
        info = parse_literal(text, url)
        if not isinstance(info, dict):
            raise CrdsError(f"'{url}' does not hold a dict")
    except (httpx.HTTPError, OSError, CrdsError) as exc:
        log.debug("reading %s failed (%s); using the cached server_config", url, exc)
        return ServerInfo.from_wire(load_server_config(observatory))
    info = dict(info)
    info.update(status="uri", connected=False, server=url)
    return ServerInfo.from_wire(info)

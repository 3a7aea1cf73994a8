"""Server info: fetched with ``get_server_info`` or, offline, read from the cache (§4.3)."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from ..cache.config import load_server_config, save_server_config
from ..rules.errors import CrdsError
from .rpc import RpcClient, crds_decode, server_url

log = logging.getLogger("opencrds")
URL_KEYS = ("reference_url", "mapping_url", "config_url", "pickle_url")


class CrdsConfigError(CrdsError):
    """The server and the requested observatory disagree."""


def default_observatory(observatory: str | None = None) -> str:
    """``observatory``, ``$CRDS_OBSERVATORY``, a name in ``$CRDS_SERVER_URL``, else jwst."""
    if observatory:
        return observatory
    if env := os.environ.get("CRDS_OBSERVATORY"):
        return env.lower()
    url = os.environ.get("CRDS_SERVER_URL", "")
    for name in ("hst", "jwst", "roman", "tobs"):
        if name in url:
            return name
    return "jwst"


def normalize(info: dict[str, Any], server: str) -> dict[str, Any]:
    """What the client does to a raw result: mark it connected, unpack ``unchecked`` URLs."""
    info = dict(info)
    info.update(status="server", connected=True, server=server)
    for key in URL_KEYS:
        value = info.get(key)
        if isinstance(value, dict) and "unchecked" in value:
            info[key] = value["unchecked"]
    info.setdefault("last_synced", str(datetime.now()))
    return info


def download_metadata(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{name: {"size": ..., "sha1sum": ...}}`` from server info."""
    return crds_decode(info.get("download_metadata") or {})


def fetch_server_info(observatory: str | None = None, client: RpcClient | None = None,
                      *, save: bool = False) -> dict[str, Any]:
    """Server info, online if possible, else the cached ``server_config``.

    With ``save`` a fresh (connected) answer is written back to the cache.
    """
    observatory = default_observatory(observatory)
    owned = client is None
    client = client or RpcClient(server_url(observatory))
    try:
        info = normalize(client.call("get_server_info"), client.url)
        if "download_metadata" not in info:
            meta = client.call("get_file_info_map", observatory, None, ["sha1sum", "size"])
            from .rpc import crds_encode

            info["download_metadata"] = crds_encode(meta)
    except CrdsError as exc:
        log.debug("get_server_info failed (%s); using the cached server_config", exc)
        info = load_server_config(observatory)
    finally:
        if owned:
            client.close()
    if info.get("observatory") != observatory:
        raise CrdsConfigError(
            f"CRDS server '{client.url}' for '{info.get('observatory')}' is inconsistent with "
            f"observatory '{observatory}'.  Set CRDS_SERVER_URL and CRDS_OBSERVATORY to match.")
    if save and info.get("connected"):
        save_server_config(observatory, info)
    return info

"""``CRDS_MODE``: where best references are computed (TOOLS.md §4.3)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from ..protocol import ServerInfo
from ..rules.errors import CrdsError

log = logging.getLogger("opencrds")
MODES = ("local", "remote", "auto", "s3")


def effective_mode(info: ServerInfo | Mapping[str, Any], mode: str | None = None) -> str:
    """``local`` or ``remote`` for ``CRDS_MODE`` (default ``auto``) and the server info."""
    mode = (mode or os.environ.get("CRDS_MODE") or "auto").lower()
    if mode not in MODES:
        raise CrdsError(f"Invalid CRDS_MODE {mode!r}; use one of {', '.join(MODES)}")
    info = ServerInfo.of(info)
    connected = bool(info.connected)
    forced = bool(info.force_remote_mode)
    if mode == "auto":
        return "remote" if connected and forced else "local"
    if mode == "remote" and not connected:
        raise CrdsError("CRDS_MODE=remote but the CRDS server is not reachable.")
    if mode in ("local", "s3") and forced:
        log.warning("Computing bestrefs locally with obsolete client; the server requests "
                    "remote mode.")
    return "local" if mode == "s3" else mode

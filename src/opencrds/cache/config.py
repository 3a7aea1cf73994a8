"""The cached server configuration: ``config/<obs>/server_config`` and ``bad_files.txt``
(TOOLS.md §4.3), written as a Python literal and read with the mapping literal parser."""

from __future__ import annotations

import ast
import json
import pprint
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..protocol import ProtocolError, ServerInfo
from ..rules.errors import CrdsError
from ..rules.parser import parse_literal
from .paths import branch_dir, readonly


class CacheConfigError(CrdsError):
    """No usable cached server configuration."""


def server_config_path(observatory: str) -> Path:
    return branch_dir("config", observatory) / "server_config"


def load_server_config(observatory: str) -> dict[str, Any]:
    """The cached server info of ``observatory`` (``status='cache'``, ``connected=False``)."""
    path = server_config_path(observatory)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CacheConfigError(f"CRDS server connection and cache load FAILED.  Cannot "
                               f"continue.  ({path}: {exc.strerror})") from None
    info = parse_literal(text, str(path))
    if not isinstance(info, dict):
        raise CacheConfigError(f"'{path}' does not hold a dict")
    info = dict(info)
    info["status"], info["connected"] = "cache", False
    return info


def read_cached_server_info(path: Path) -> ServerInfo:
    """The server info in the ``server_config`` file at ``path`` (a Python literal, or JSON),
    for tools that only prefer it: an empty ServerInfo when the file is missing, unreadable or
    not a server info (:func:`load_server_config` is the strict reader)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ServerInfo()
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            try:
                return ServerInfo.from_wire(value)
            except ProtocolError:
                return ServerInfo()
    return ServerInfo()


def _plain(value: Any) -> Any:
    """JSON-like types only, so the text survives the literal parser."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save_server_config(observatory: str, info: ServerInfo | Mapping[str, Any]) -> bool:
    """Write ``info`` (its wire form, which the crds client reads too) and ``bad_files.txt``
    atomically; False (nothing written) if read-only."""
    if readonly():
        return False
    wire = info.to_wire() if isinstance(info, ServerInfo) else info
    directory = branch_dir("config", observatory)
    write_text_atomic(directory / "server_config", pprint.pformat(_plain(wire)) + "\n",
                      make_parents=True)
    write_text_atomic(directory / "bad_files.txt", "\n".join(wire.get("bad_files_list", [])),
                      make_parents=True)
    return True

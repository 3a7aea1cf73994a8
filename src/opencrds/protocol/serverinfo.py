"""``ServerInfo``: the ``get_server_info`` result (PROTOCOL.md §3) as a typed, frozen value.

``ServerInfo.from_wire(dict)`` checks the type of every key it knows and keeps the others in
``extra``; ``to_wire()`` gives the same dict back, key order and value types included, so what a
server sends, or a cache's ``server_config`` holds, survives a round trip unchanged. A key the
wire did not have stays absent (its field is ``None``). Code reads the fields; ``to_wire()``
is the one way back to the dict (what a server sends, what a cache saves).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .downloads import URL_KEYS, decode_metadata, unpack_urls
from .errors import ProtocolError

_STR = (str,)
_INT = (int,)  # bool is an int: force_remote_mode may be either
_DICT = (dict,)
_LIST = (list, tuple)


@dataclass(frozen=True, eq=True)
class ServerInfo:
    """What a CRDS server says about itself and its files; fields in the order the server
    sends them. Treat the dicts inside as read-only."""

    observatory: str | None = None
    operational_context: str | None = None
    latest_context: str | None = None
    edit_context: str | None = None
    versions_context: str | None = None
    # the long values are left out of repr (a traceback should not print 40,000 names)
    bad_files_list: tuple[str, ...] | None = field(default=None, repr=False)
    mappings: tuple[str, ...] | None = field(default=None, repr=False)
    mapping_url: dict[str, Any] | None = None
    reference_url: dict[str, Any] | None = None
    config_url: dict[str, Any] | None = None
    pickle_url: dict[str, Any] | None = None
    #: crds_encoded or plain ``{name: {"sha1sum", "size"}}``; decoded by :attr:`files`
    download_metadata: dict[str, Any] | None = field(default=None, repr=False)
    force_remote_mode: int | bool | None = None
    #: the page size of dataset-header calls (an integer; kept as sent)
    max_headers_per_rpc: int | str | None = None
    # the rest is sent but never read by a client: kept as sent, unchecked
    max_bestrefs_per_rpc: Any = None
    crds_version: Any = None
    context_history: Any = field(default=None, repr=False)
    last_synced: str | None = None
    last_refreshed: Any = None
    updated: Any = None
    build_context: str | None = None
    #: added by the client: who answered, how (server, cache, uri) and whether it is live
    server: str | None = None
    status: str | None = None
    connected: bool | None = None
    #: every key the fields do not cover, as sent
    extra: dict[str, Any] = field(default_factory=dict)
    #: the wire keys in order; computed from the fields set when not given
    keys_order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys_order:
            present = [f.name for f in _WIRE_FIELDS if getattr(self, f.name) is not None]
            object.__setattr__(self, "keys_order", (*present, *self.extra))

    # ---- the wire form ---------------------------------------------------------------------

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ServerInfo:
        """The server info of a ``get_server_info`` result or a ``server_config`` dict;
        ProtocolError naming the key when a known key has a value of the wrong type."""
        if isinstance(wire, ServerInfo):
            return wire
        if not isinstance(wire, Mapping):
            raise ProtocolError(f"server info must be an object, got {type(wire).__name__}")
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in wire.items():
            check = _CHECKS.get(key)
            if check is None:
                extra[key] = value
            else:
                values[key] = check(key, value)
        return cls(**values, extra=extra, keys_order=tuple(wire))

    @classmethod
    def of(cls, info: ServerInfo | Mapping[str, Any]) -> ServerInfo:
        """``info`` itself, or the ServerInfo of a wire dict."""
        return info if isinstance(info, ServerInfo) else cls.from_wire(info)

    def to_wire(self) -> dict[str, Any]:
        """The plain dict, exactly as it came (or as the server sends it)."""
        return {key: self._wire_value(key) for key in self.keys_order}

    def replace(self, **changes: Any) -> ServerInfo:
        """A copy with fields (or wire keys, into ``extra``) changed; changed keys keep their
        place, new ones come last."""
        fields = {k: v for k, v in changes.items() if k in _FIELD_NAMES}
        extra = {**self.extra, **{k: v for k, v in changes.items() if k not in _FIELD_NAMES}}
        order = (*self.keys_order, *(k for k in changes if k not in self.keys_order))
        return dataclasses.replace(self, **fields, extra=extra, keys_order=order)

    def _wire_value(self, key: str) -> Any:
        """The value of wire key ``key`` as sent (file-name tuples back as lists)."""
        if key not in _FIELD_NAMES:
            return self.extra[key]
        value = getattr(self, key)
        if key in ("bad_files_list", "mappings") and value is not None:
            return list(value)
        return value

    __hash__ = None  # type: ignore[assignment]  (holds dicts)

    # ---- what clients read -----------------------------------------------------------------

    @property
    def default_context(self) -> str:
        """``latest_context`` when sent, else ``operational_context``; ProtocolError when
        there is neither."""
        context = self.latest_context or self.operational_context
        if not context:
            raise ProtocolError("server info has no 'operational_context'")
        return context

    @property
    def bad_files(self) -> frozenset[str]:
        """The scientifically invalid files."""
        return frozenset(self.bad_files_list or ())

    @cached_property
    def files(self) -> dict[str, dict[str, Any]]:
        """Decoded ``download_metadata``: ``{name: {"size": str, "sha1sum": str}}``."""
        return decode_metadata(self.download_metadata)

    def download_base(self, key: str, observatory: str) -> str | None:
        """The base URL under URL key ``key`` for ``observatory`` (either wire shape)."""
        urls = unpack_urls(getattr(self, key))
        value = urls.get(observatory) if isinstance(urls, dict) else None
        return value or None


def _typed(types: tuple[type, ...], what: str) -> Any:
    def check(key: str, value: Any) -> Any:
        if value is not None and not isinstance(value, types):
            raise ProtocolError(f"server info '{key}' must be {what}, got "
                                f"{type(value).__name__}: {str(value)[:80]!r}")
        return value
    return check


def _names(key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, _LIST) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"server info '{key}' must be a list of file names")
    return tuple(value)


def _as_sent(key: str, value: Any) -> Any:
    return value


_WIRE_FIELDS = [f for f in dataclasses.fields(ServerInfo) if f.name not in ("extra", "keys_order")]
_FIELD_NAMES = frozenset(f.name for f in _WIRE_FIELDS)
_CHECKS: dict[str, Any] = {
    **{name: _typed(_STR, "a string") for name in (
        "observatory", "operational_context", "latest_context", "edit_context",
        "versions_context", "build_context", "last_synced", "server", "status")},
    **{name: _typed(_DICT, "an object") for name in (*URL_KEYS, "download_metadata")},
    **{name: _as_sent for name in (
        "max_bestrefs_per_rpc", "crds_version", "context_history", "last_refreshed",
        "updated")},
    "force_remote_mode": _typed(_INT, "an integer"),
    "max_headers_per_rpc": _typed((int, str), "an integer"),
    "connected": _typed((bool,), "true or false"),
    "bad_files_list": _names,
    "mappings": _names,
}

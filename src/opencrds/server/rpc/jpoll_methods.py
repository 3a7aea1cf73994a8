"""JSON-RPC methods of the jpoll channels (PROTOCOL.md §2.2, §7.5): what the crds monitor
polls while a submission is processed. The channel key is the only credential.

String data is sent HTML-escaped, since crds ``html.unescape``-s every message's data;
``done`` data is an object ``{"status", "result"}``. An unknown key is the error
``UnknownChannel: Channel '<key>' not found``, which the monitor recognizes.
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from ..submissions.jpoll import channels
from .jsonrpc import InvalidParams, RpcError, rpc_method
from .params import MaxLength

#: A channel key (``[A-Za-z0-9:.-]``, at most 128 characters).
ChannelKey = Annotated[str, MaxLength(128)]
#: The largest message id seen: crds sends it as a string ("0" at first), or null.
SinceId = Annotated[str, MaxLength(20)] | int | None

#: The wire name of an unknown channel.
UNKNOWN_CHANNEL = "UnknownChannel"


def _since(value: str | int | None) -> int:
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except ValueError:
        raise InvalidParams(f"jpoll_pull_messages: parameter 'since_id' must be an integer "
                            f"message id, got {str(value)[:20]!r}") from None
    return max(number, 0)


def wire_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as crds reads it: string data HTML-escaped (crds unescapes it)."""
    data = message["data"]
    if isinstance(data, str):
        data = html.escape(data, quote=False)
    return {"id": message["id"], "type": message["type"], "data": data}


@rpc_method
def jpoll_pull_messages(key: ChannelKey, since_id: SinceId = None) -> list[dict[str, Any]]:
    try:
        return [wire_message(m) for m in channels.pull(key, _since(since_id))]
    except channels.UnknownChannel as exc:
        raise RpcError(str(exc), name=UNKNOWN_CHANNEL) from None


@rpc_method
def jpoll_abort(key: ChannelKey) -> bool:
    try:
        return channels.abort(key)
    except channels.UnknownChannel as exc:
        raise RpcError(str(exc), name=UNKNOWN_CHANNEL) from None

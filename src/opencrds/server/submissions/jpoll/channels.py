"""Jpoll progress channels (PROTOCOL.md §7.5; SERVER.md §1.10): the messages a submission's
processing streams to the crds monitor and the web page.

A channel is a row keyed by a uuid4 string (a capability: whoever holds the key may read it);
its messages are rows too, written by the queue worker and read by any web worker. Message
types: ``log_message``, ``verbose``, ``warning``, ``error`` (data: a string) and ``done``
(data: ``{"status": int, "result": str}``; 0 completed, 1 failed, 3 cancelled), which ends
the stream: later pushes raise :class:`ChannelClosed`. Pushes to one channel are serialized by
a write on its row, so message ids increase in the order readers see them commit and ``done``
is always last. Push outside long transactions: messages are seen when committed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import F

from opencrds.rules.errors import CrdsError

from ..models import JpollChannel, JpollMessage

#: The message types a channel carries.
TYPES = ("log_message", "verbose", "warning", "error", "done")
#: ``done`` statuses (the crds monitor's exit status).
COMPLETED, FAILED, CANCELLED = 0, 1, 3
#: At most this many messages per pull (the reader asks again from the last id it got).
MAX_PER_PULL = 1000
#: Longest message text kept, in characters.
MAX_TEXT = 64 * 1024


class UnknownChannel(CrdsError):
    """No channel has this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Channel '{str(key)[:128]}' not found")
        self.key = key


class ChannelClosed(CrdsError):
    """A push to a channel whose stream already ended with ``done``."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Channel '{key}' is closed: its stream already ended with 'done'")
        self.key = key


def open_channel(user: Any = None) -> str:
    """A new channel's key (a uuid4 string), owned by ``user`` when given."""
    key = str(uuid.uuid4())
    owner = user if user is not None and getattr(user, "is_authenticated", False) else None
    JpollChannel.objects.create(key=key, user=owner)
    return key


def push(key: str, type: str, data: Any) -> int:  # noqa: A002  (the wire field is named type)
    """Append a message to channel ``key``; its id. UnknownChannel, ChannelClosed, or
    ValueError for a type or data the stream cannot carry."""
    if type not in TYPES:
        raise ValueError(f"jpoll message type {type!r} is not one of {', '.join(TYPES)}")
    if type == "done":
        if not (isinstance(data, dict) and set(data) == {"status", "result"}
                and isinstance(data["status"], int) and isinstance(data["result"], str)):
            raise ValueError(f"a 'done' message needs {{'status': int, 'result': str}}, "
                             f"got {data!r:.200}")
    elif not isinstance(data, str):
        raise ValueError(f"a {type!r} message needs a string, got {data!r:.200}")
    else:
        data = data[:MAX_TEXT]
    with transaction.atomic():
        # The write takes the channel row's lock (SQLite: the database's write lock) before
        # anything is read, so pushes to one channel never interleave.
        if not JpollChannel.objects.filter(key=key).update(created=F("created")):
            raise UnknownChannel(key)
        if JpollMessage.objects.filter(channel_id=key, type="done").exists():
            raise ChannelClosed(key)
        return JpollMessage.objects.create(channel_id=key, type=type, data=data).pk


def is_closed(key: str) -> bool:
    """Has channel ``key`` ended with ``done`` (completed, failed, cancelled or aborted)?"""
    if not JpollChannel.objects.filter(key=key).exists():
        raise UnknownChannel(key)
    return JpollMessage.objects.filter(channel_id=key, type="done").exists()


def abort(key: str) -> bool:
    """End channel ``key`` with ``done`` status 3 (cancelled) unless it has ended already;
    True if this call ended it. The processing that writes to it sees :func:`is_closed` and
    its next push fails with ChannelClosed."""
    try:
        push(key, "done", {"status": CANCELLED, "result": ""})
    except ChannelClosed:
        return False
    return True


def pull(key: str, since_id: int = 0) -> list[dict[str, Any]]:
    """The messages of channel ``key`` with an id above ``since_id``, oldest first, at most
    :data:`MAX_PER_PULL`: ``[{"id": int, "type": str, "data": str | dict}]``."""
    if not JpollChannel.objects.filter(key=key).exists():
        raise UnknownChannel(key)
    rows = (JpollMessage.objects.filter(channel_id=key, id__gt=since_id).order_by("id")
            .values_list("id", "type", "data")[:MAX_PER_PULL])
    return [{"id": id_, "type": type_, "data": data} for id_, type_, data in rows]


class Progress:
    """What a processing task writes to its channel: ``log``, ``verbose``, ``warning`` and
    ``error`` lines, then exactly one ``done``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def log(self, text: str) -> int:
        return push(self.key, "log_message", str(text))

    def verbose(self, text: str) -> int:
        return push(self.key, "verbose", str(text))

    def warning(self, text: str) -> int:
        return push(self.key, "warning", str(text))

    def error(self, text: str) -> int:
        return push(self.key, "error", str(text))

    def done(self, status: int, result: str) -> int:
        """End the stream: ``status`` 0 completed, 1 failed, 3 cancelled; ``result`` the URL
        of the result page."""
        return push(self.key, "done", {"status": int(status), "result": str(result)})

    @property
    def closed(self) -> bool:
        """Has the stream ended (by :meth:`done` or an abort)?"""
        return is_closed(self.key)

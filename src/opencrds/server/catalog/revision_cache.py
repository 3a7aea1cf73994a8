"""One cache for everything the server derives from its catalog, kept per catalog revision.

Values are keyed by (observatory, revision number, key). One invalidation rule: when a newer
revision of an observatory's catalog is seen, every value of the older one is dropped. Every
catalog change bumps the revision (:mod:`.services`), so no value outlives the catalog it was
computed from. Readers say how old a revision they accept (``max_age`` seconds): the hot
bestrefs path reads the revision at most every :data:`REVISION_CHECK_SECONDS`, server info on
every call. Safe for threads and greenlets; values are computed outside the lock (two callers
may both compute one, the first stored wins).

The observatory a server serves is the one value kept for the life of the process.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

#: How stale a revision the hot paths accept, in seconds.
REVISION_CHECK_SECONDS = 2.0


class Revision(NamedTuple):
    """A catalog revision: its number and when the catalog last changed (None: never)."""

    number: int
    updated: datetime.datetime | None


@dataclass
class _Entry:
    revision: Revision
    checked: float
    values: dict[Hashable, Any] = field(default_factory=dict)


class RevisionCache:
    """Values computed from one observatory's catalog, kept while its revision stays."""

    def __init__(self, read_revision: Callable[[str], Revision],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read_revision = read_revision
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._observatory: str | None = None
        self._lock = threading.Lock()

    def revision(self, observatory: str, max_age: float = 0.0) -> Revision:
        """The catalog revision of ``observatory``, read again if the one known is older than
        ``max_age`` seconds; a newer revision drops every value of the older one."""
        entry = self._entries.get(observatory)
        now = self._clock()
        if entry is not None and max_age > 0 and now - entry.checked < max_age:
            return entry.revision
        current = Revision(*self._read_revision(observatory))
        with self._lock:
            entry = self._entries.get(observatory)
            if entry is None or entry.revision.number != current.number:
                entry = self._entries[observatory] = _Entry(current, now)
            else:
                entry.checked = now
        return entry.revision

    def get(self, observatory: str, key: Hashable, compute: Callable[[Revision], T], *,
            max_age: float = 0.0) -> T:
        """The value of ``key`` for the current revision of ``observatory``'s catalog,
        computed by ``compute(revision)`` the first time it is asked for in that revision."""
        revision = self.revision(observatory, max_age)
        entry = self._entries[observatory]
        try:
            return entry.values[key]
        except KeyError:
            pass
        value = compute(revision)
        with self._lock:
            entry = self._entries.get(observatory)
            if entry is None or entry.revision.number != revision.number:
                return value  # the catalog changed meanwhile: not kept
            return entry.values.setdefault(key, value)

    def observatory(self, discover: Callable[[], str]) -> str:
        """The observatory served: ``discover()`` once, then the same for the process."""
        if self._observatory is None:
            with self._lock:
                if self._observatory is None:
                    self._observatory = discover()
        return self._observatory

    def clear(self) -> None:
        """Forget everything (tests; a process that changes settings)."""
        with self._lock:
            self._entries.clear()
            self._observatory = None


def _catalog_revision(observatory: str) -> Revision:
    from .models import CatalogRevision

    return Revision(*CatalogRevision.current(observatory))


#: The cache of this process.
cache = RevisionCache(_catalog_revision)

"""Context history, every delivered context, build contexts, and what changed at each
activation (for the timeline: the instruments whose rules changed, and by how many rule lines).
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
from dataclasses import dataclass, field

from ...catalog import queries
from ...catalog.filestore import get_file_store
from ...catalog.models import BuildContext, ContextHistory, FileRecord
from ...catalog.revision_cache import REVISION_CHECK_SECONDS, cache

log = logging.getLogger(__name__)

#: Where each calibration software publishes its releases (build contexts' CAL versions).
RELEASE_URLS = {
    "jwst": "https://github.com/spacetelescope/jwst/releases/tag/{version}",
    "roman": "https://github.com/spacetelescope/romancal/releases/tag/{version}",
}


@dataclass(frozen=True)
class ContextRow:
    """One row of a context table: when, which context, its status, why."""

    date: datetime.datetime | None
    context: str
    status: str
    description: str

    @property
    def date_text(self) -> str:
        return queries.format_date(self.date)

    def as_json(self) -> dict[str, str]:
        return {"date": self.date_text, "context": self.context, "status": self.status,
                "description": self.description}


def _operational(observatory: str) -> str:
    return queries.default_contexts(observatory).get("operational", "")


def history(observatory: str, limit: int | None = None) -> list[ContextRow]:
    """Activations of operational contexts, newest first; the newest is ``latest``."""
    rows = (ContextHistory.objects.filter(observatory=observatory)
            .order_by("-start_date", "-id").values_list("start_date", "context", "description"))
    if limit is not None:
        rows = rows[:limit]
    return [ContextRow(date, context, "latest" if index == 0 else "archived", description)
            for index, (date, context, description) in enumerate(rows)]


def all_contexts(observatory: str) -> list[ContextRow]:
    """Every .pmap catalogued, newest delivery first (status ``latest`` for the operational
    one, else its catalog state)."""
    operational = _operational(observatory)
    rows = (FileRecord.objects.filter(observatory=observatory, type=FileRecord.Kind.MAPPING,
                                      name__endswith=".pmap")
            .order_by("-delivery_date", "-name")
            .values_list("delivery_date", "name", "state", "description"))
    return [ContextRow(date, name, "latest" if name == operational else state, description)
            for date, name, state, description in rows]


@dataclass(frozen=True)
class BuildRow:
    calver: str
    context: str
    banner: bool
    release_url: str


def build_contexts(observatory: str) -> list[BuildRow]:
    """Build contexts, newest first, with the release page of each CAL version."""
    template = RELEASE_URLS.get(observatory, "")
    rows = BuildContext.objects.filter(observatory=observatory).values_list(
        "calver", "context", "banner")
    return [BuildRow(calver, context, banner,
                     template.format(version=calver) if template else "")
            for calver, context, banner in rows]


def banner_build(observatory: str) -> BuildRow | None:
    """The build context of the home page banner: the one marked so, else the newest."""
    rows = build_contexts(observatory)
    return next((row for row in rows if row.banner), rows[0] if rows else None)


# ---- what changed at each activation --------------------------------------------------------


@dataclass
class Change:
    """A switch of the operational context from ``old`` to ``new`` at ``date``."""

    date: datetime.datetime
    old: str
    new: str
    description: str
    #: instrument -> (rmaps changed, rule lines changed)
    instruments: dict[str, tuple[int, int]] = field(default_factory=dict)
    error: str = ""

    @property
    def rule_lines(self) -> int:
        return sum(lines for _rmaps, lines in self.instruments.values())


#: ``'KEY' : 'value'`` entries of a .pmap or .imap selector.
_ENTRY = re.compile(r"""['"]([^'"]+)['"]\s*:\s*['"]([^'"]*)['"]""")


@functools.lru_cache(maxsize=4096)
def _children(observatory: str, name: str) -> dict[str, str]:
    """``{key: child}`` of a .pmap or .imap, read from its selector's text (the timeline
    reads hundreds: parsing them fully would cost seconds)."""
    try:
        text = get_file_store().read_text(observatory, name, "mappings")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        log.info("timeline: cannot read %s: %s", name, exc)
        return {}
    return {key.lower(): value for key, value in _ENTRY.findall(text[text.find("selector"):])}


@functools.lru_cache(maxsize=64)
def _rule_lines(observatory: str, name: str) -> frozenset[str]:
    """The lines of an rmap's selector (after its header); successive contexts share rmaps,
    so the last few are kept."""
    try:
        text = get_file_store().read_text(observatory, name, "mappings")
    except (OSError, ValueError, UnicodeDecodeError):
        return frozenset()
    lines = frozenset(text[text.find("selector"):].splitlines())
    return lines - {""}


@functools.lru_cache(maxsize=8192)
def _rmap_change(observatory: str, old: str, new: str) -> int:
    """Rule lines added plus removed from ``old`` to ``new`` (kept: mappings never change)."""
    if not old.endswith(".rmap"):
        return len(_rule_lines(observatory, new)) if new.endswith(".rmap") else 0
    if not new.endswith(".rmap"):
        return len(_rule_lines(observatory, old))
    return len(_rule_lines(observatory, old) ^ _rule_lines(observatory, new))


@functools.lru_cache(maxsize=8192)
def _imap_change(observatory: str, old: str, new: str) -> tuple[int, int]:
    before = _children(observatory, old) if old.endswith(".imap") else {}
    after = _children(observatory, new) if new.endswith(".imap") else {}
    changed = [kind for kind in set(before) | set(after)
               if before.get(kind, "N/A") != after.get(kind, "N/A")]
    lines = sum(_rmap_change(observatory, before.get(kind, "N/A"), after.get(kind, "N/A"))
                for kind in changed)
    return len(changed), lines


def _pmap_change(observatory: str, old: str, new: str) -> dict[str, tuple[int, int]]:
    before, after = _children(observatory, old), _children(observatory, new)
    result = {}
    for instrument in sorted(set(before) | set(after)):
        a, b = before.get(instrument, "N/A"), after.get(instrument, "N/A")
        if a != b:
            result[instrument] = _imap_change(observatory, a, b)
    return result


def _changes(observatory: str) -> list[Change]:
    rows = list(ContextHistory.objects.filter(observatory=observatory)
                .order_by("start_date", "id").values_list("start_date", "context",
                                                          "description"))
    changes, previous = [], ""
    for date, context, description in rows:
        change = Change(date, previous, context, description)
        if previous and previous != context:
            change.instruments = _pmap_change(observatory, previous, context)
        changes.append(change)
        previous = context
    return changes


def changes(observatory: str) -> list[Change]:
    """Every activation, oldest first, with what changed since the one before (kept per
    catalog revision; each pair of mappings compared once per process)."""
    return cache.get(observatory, "context changes", lambda _: _changes(observatory),
                     max_age=REVISION_CHECK_SECONDS)

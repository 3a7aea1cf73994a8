"""Context selection shared by ``sync``, ``list`` and ``matches`` (TOOLS.md §1.3) and the
observatory a run works on (§1.6).

A :class:`ContextSelection` says which contexts are wanted (named ones, or a part of the
server's list of .pmaps); :func:`select_contexts` turns it into literal mapping names. The
command-line switches that fill it are in ``opencrds.tools.context_switches``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..protocol import ServerInfo
from ..rules.errors import CrdsError
from ..rules.naming import name_serial
from .rpc import RpcClient
from .specifiers import default_context_spec, expand_all, resolve


class ServerRequired(CrdsError):
    """The command needs a live server and there is none."""


@dataclass(frozen=True)
class ContextSelection:
    """Which contexts to work on: at most one of the fields is set.

    ``contexts`` are names or specifiers (``jwst-edit``, ``hst-2018-01-21T12:32:05``); an empty
    tuple or None means the observatory's default context. The others pick from the server's
    .pmaps: ``range`` ``MIN:MAX`` serial numbers, ``all`` (every mapping), the ``last`` N, all
    ``up_to_context`` or ``after_context`` a context (inclusive).
    """

    contexts: tuple[str, ...] | None = None
    range: str | None = None
    all: bool = False
    last: int | None = None
    up_to_context: str | None = None
    after_context: str | None = None

    @property
    def wants_server_list(self) -> bool:
        """True when the selection picks from the server's list of .pmaps."""
        return bool(self.all or self.range or self.last or self.up_to_context
                    or self.after_context)

    @property
    def names_contexts(self) -> bool:
        """True when contexts are named or picked from the server (not only the default)."""
        return self.contexts is not None or self.wants_server_list


def observatory_for(observatory: str | None, contexts: Sequence[str] | None = None,
                    files: Iterable[str] | None = None) -> str:
    """The observatory a run works on: ``observatory`` when given, else that of a named
    context (``contexts``, else ``CRDS_CONTEXT``), then CRDS_OBSERVATORY, then a name in
    CRDS_SERVER_URL, then the names of ``contexts`` and ``files``."""
    if observatory:
        return str(observatory)
    from .serverinfo import default_observatory
    from .specifiers import observatory_of_spec

    for spec in [*(contexts or []), os.environ.get("CRDS_CONTEXT")]:
        if named := observatory_of_spec(spec):
            return named

    from ..observatories import registered_observatories

    if os.environ.get("CRDS_OBSERVATORY") or any(
            o in os.environ.get("CRDS_SERVER_URL", "") for o in registered_observatories()):
        return default_observatory()
    for name in [*(contexts or []), *(files or [])]:
        for obs in registered_observatories():
            if os.path.basename(name).startswith(obs):
                return obs
    return default_observatory()


def _pmaps(info: ServerInfo) -> list[str]:
    return sorted((m for m in info.mappings or () if m.endswith(".pmap")), key=name_serial)


def select_contexts(selection: ContextSelection, info: ServerInfo,
                    client: RpcClient | None) -> list[str]:
    """The literal mapping names ``selection`` picks, sorted."""
    if selection.wants_server_list:
        if not info.connected:
            raise ServerRequired("Required server connection unavailable.")
        pmaps = _pmaps(info)
        if selection.all:
            return sorted(info.mappings or ())
        if selection.range:
            match = re.fullmatch(r"(\d+):(\d+)", selection.range)
            if not match or int(match[1]) > int(match[2]):
                raise CrdsError(f"Invalid --range {selection.range!r}; use MIN:MAX")
            low, high = int(match[1]), int(match[2])
            return [p for p in pmaps if low <= name_serial(p) <= high]
        if selection.last:
            return pmaps[-selection.last:]
        edge = resolve(selection.up_to_context or selection.after_context, info, client)
        index = pmaps.index(edge)
        return pmaps[:index + 1] if selection.up_to_context else pmaps[index:]
    specs = selection.contexts or [default_context_spec(str(info.observatory))]
    expanded = [item for spec in specs for item in expand_all(spec, info, client)]
    return sorted(resolve(spec, info, client) for spec in expanded)


def all_pmaps(info: ServerInfo) -> list[str]:
    """Every .pmap server info lists, by serial number."""
    return _pmaps(info)

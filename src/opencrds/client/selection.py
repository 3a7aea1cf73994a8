"""Context selection shared by ``sync`` and ``list`` (TOOLS.md §1.3) and the observatory
choice of a command (§1.6)."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from ..rules.errors import CrdsError
from ..rules.naming import name_serial
from .rpc import RpcClient
from .specifiers import default_context_spec, expand_all, resolve


class ServerRequired(CrdsError):
    """The command needs a live server and there is none."""


def add_arguments(parser: argparse.ArgumentParser, *, stats: bool = True) -> None:
    """The observatory switches and the mutually exclusive context switches (and ``--stats``
    of the command's own, unless ``stats`` is False: then the shared one applies)."""
    obs = parser.add_argument_group("observatory")
    obs.add_argument("-H", "--hst", dest="observatory", action="store_const", const="hst",
                     help="work on HST")
    obs.add_argument("-J", "--jwst", dest="observatory", action="store_const", const="jwst",
                     help="work on JWST")
    obs.add_argument("--roman", dest="observatory", action="store_const", const="roman",
                     help="work on Roman")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--contexts", nargs="*", metavar="CONTEXT",
                       help="contexts or specifiers (jwst-edit, hst-2018-01-21T12:32:05, ...)")
    group.add_argument("--range", metavar="MIN:MAX", help="every <obs>_NNNN.pmap with MIN<=N<=MAX")
    group.add_argument("--all", action="store_true", help="every .pmap the server knows")
    group.add_argument("--last", "--last-n-contexts", dest="last", type=int, metavar="N",
                       help="the last N .pmaps")
    group.add_argument("--up-to-context", metavar="CONTEXT", help="all .pmaps up to CONTEXT")
    group.add_argument("--after-context", metavar="CONTEXT", help="all .pmaps from CONTEXT on")
    parser.add_argument("-R", "--readonly-cache", action="store_true",
                        help="never write the cache (same as CRDS_READONLY_CACHE=1)")
    if stats:
        parser.add_argument("--stats", action="store_true",
                            help="print timing statistics at the end")


def observatory_of_args(args: argparse.Namespace) -> str:
    """Flags, then the observatory of a named context (``--contexts``, else ``CRDS_CONTEXT``),
    then CRDS_OBSERVATORY, then a name in CRDS_SERVER_URL, then names of files."""
    if getattr(args, "observatory", None):
        return str(args.observatory)
    from .serverinfo import default_observatory
    from .specifiers import observatory_of_spec

    for spec in [*(getattr(args, "contexts", None) or []), os.environ.get("CRDS_CONTEXT")]:
        if named := observatory_of_spec(spec):
            return named

    from ..observatories import registered_observatories

    if os.environ.get("CRDS_OBSERVATORY") or any(
            o in os.environ.get("CRDS_SERVER_URL", "") for o in registered_observatories()):
        return default_observatory()
    for name in [*(getattr(args, "contexts", None) or []), *(getattr(args, "files", None) or [])]:
        for obs in registered_observatories():
            if os.path.basename(name).startswith(obs):
                return obs
    return default_observatory()


def wants_server_list(args: argparse.Namespace) -> bool:
    return bool(args.all or args.range or args.last or args.up_to_context or args.after_context)


def _pmaps(info: dict[str, Any]) -> list[str]:
    return sorted((m for m in info.get("mappings", []) if m.endswith(".pmap")), key=name_serial)


def select_contexts(args: argparse.Namespace, info: dict[str, Any],
                    client: RpcClient | None) -> list[str]:
    """The literal mapping names the switches select, sorted."""
    if wants_server_list(args):
        if not info.get("connected"):
            raise ServerRequired("Required server connection unavailable.")
        pmaps = _pmaps(info)
        if args.all:
            return sorted(info.get("mappings", []))
        if args.range:
            match = re.fullmatch(r"(\d+):(\d+)", args.range)
            if not match or int(match[1]) > int(match[2]):
                raise CrdsError(f"Invalid --range {args.range!r}; use MIN:MAX")
            low, high = int(match[1]), int(match[2])
            return [p for p in pmaps if low <= name_serial(p) <= high]
        if args.last:
            return pmaps[-args.last:]
        edge = resolve(args.up_to_context or args.after_context, info, client)
        index = pmaps.index(edge)
        return pmaps[:index + 1] if args.up_to_context else pmaps[index:]
    specs = args.contexts if args.contexts else [default_context_spec(info["observatory"])]
    expanded = [item for spec in specs for item in expand_all(spec, info, client)]
    return sorted(resolve(spec, info, client) for spec in expanded)


def all_pmaps(info: dict[str, Any]) -> list[str]:
    """Every .pmap server info lists, by serial number."""
    return _pmaps(info)

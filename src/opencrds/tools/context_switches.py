"""The context switches of ``sync``, ``list`` and ``matches`` (TOOLS.md §1.3) and what they
select: ``--contexts``, ``--range``, ``--all``, ``--last``, ``--up-to-context``,
``--after-context``, with the observatory switches."""

from __future__ import annotations

import argparse

from ..client.selection import ContextSelection, observatory_for
from .switches import add_observatory_switches


def add_context_arguments(parser: argparse.ArgumentParser, *, stats: bool = True) -> None:
    """The observatory switches and the mutually exclusive context switches (and ``--stats``
    of the command's own, unless ``stats`` is False: then the shared one applies)."""
    add_observatory_switches(parser.add_argument_group("observatory").add_argument,
                             lambda switch: f"work on {switch.label}")
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


def context_selection(args: argparse.Namespace) -> ContextSelection:
    """The contexts the switches of ``add_context_arguments`` ask for."""
    contexts = getattr(args, "contexts", None)
    return ContextSelection(
        contexts=None if contexts is None else tuple(contexts), range=args.range,
        all=bool(args.all), last=args.last, up_to_context=args.up_to_context,
        after_context=args.after_context)


def observatory_of_args(args: argparse.Namespace) -> str:
    """The observatory switch, else the observatory of a named context (``--contexts``, else
    ``CRDS_CONTEXT``), then CRDS_OBSERVATORY, then a name in CRDS_SERVER_URL, then names of
    files (``--files``)."""
    return observatory_for(getattr(args, "observatory", None), getattr(args, "contexts", None),
                           getattr(args, "files", None))

"""``opencrds refactor``: insert, replace or delete references in an rmap (TOOLS.md §2.7).

``opencrds refactor insert|replace|delete OLD_RMAP NEW_RMAP REFERENCE...``. Like CRDS, the new
rmap gets ``derived_from`` = the old basename and a fresh sha1sum; its ``name`` is kept unless
``--set-name`` is given. References are placed as deliveries place them
(:mod:`opencrds.generation.placement`: pattern keywords, substitutions, relevance); a Match
value the type's ``_ld.tpn`` does not allow is refused with crds's message. Each bad
reference gives one ERROR and the others are still checked; with any error nothing is
written (as CRDS). The summary lines follow; the exit status is the
error count.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ...generation.placement import place_reference
from ...generation.values import ValueRefused
from ...rules.edit import delete_references, derived_text
from ...rules.parser import ParsedMapping, SelectorCall, parse_mapping_text
from ..checksum import local_path, read_text
from ..common import count, log, log_summary, one_line
from ..output import write_text_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds refactor``."""
    parser.add_argument("operation", choices=("insert", "replace", "delete"),
                        help="insert (adds or replaces), replace (slot must exist) or delete")
    parser.add_argument("old_rmap", help="rmap to start from (bare name = current directory)")
    parser.add_argument("new_rmap", help="path of the rmap to write")
    parser.add_argument("references", nargs="+", metavar="REFERENCE",
                        help="reference files (insert/replace: read for their header; "
                             "delete: names only)")
    parser.add_argument("--set-name", action="store_true",
                        help="also set the header 'name' to the new rmap's basename")


def loaded_rmap(parsed: ParsedMapping) -> Any:
    """The rmap object of ``parsed`` (its header and parameters; the checksum is not checked)."""
    from ...client.contexts import get_loader

    return get_loader(ignore_checksum=True).from_text(parsed.text, parsed.filename)


def _apply(parsed: ParsedMapping, rmap: Any, operation: str, reference: str) -> ParsedMapping:
    """One operation on ``parsed`` (the rmap ``rmap`` as edited so far) for one reference."""
    from ...io import read_header

    base = os.path.basename(reference)
    if operation == "delete":
        log.info("Deleting '%s' from '%s'", local_path(reference), parsed.filename)
        return delete_references(parsed, [base])
    verb = "Inserting" if operation == "insert" else "Replacing"
    log.info("%s %s into '%s'", verb, base, parsed.filename)
    placed = place_reference(parsed, rmap, base, read_header(local_path(reference)),
                             replace_only=operation == "replace")
    if placed.replaced and placed.replaced != base:
        log.info("Replaced %s with %s", placed.replaced, base)
    return placed.parsed


def run(args: argparse.Namespace) -> int:
    """Apply the operation for every reference and write the new rmap."""
    old = local_path(args.old_rmap)
    try:
        parsed = parse_mapping_text(read_text(old), os.path.basename(old))
        if not isinstance(parsed.selector, SelectorCall):
            raise ValueError(f"'{old}' is not an rmap")
    except Exception as exc:
        log.error("Cannot read rmap '%s' : %s", old, one_line(exc))
        log_summary()
        return count("ERROR")
    rmap = None
    for reference in args.references:
        try:
            rmap = rmap or loaded_rmap(parsed)
            parsed = _apply(parsed, rmap, args.operation, reference)
        except Exception as exc:
            if getattr(args, "debug_traceback", False):
                raise
            message = str(exc) if isinstance(exc, ValueRefused) else one_line(exc)
            log.error("Refactoring operation FAILED : %s", message)
    if count("ERROR"):
        log_summary()
        return count("ERROR")
    new_name = os.path.basename(args.new_rmap) if args.set_name else None
    write_text_atomic(args.new_rmap, derived_text(parsed, os.path.basename(old), new_name))
    log_summary()
    return count("ERROR")

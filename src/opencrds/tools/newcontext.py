"""``opencrds newcontext``: new imaps and a new pmap around new rmaps (TOOLS.md §2.9).

``opencrds newcontext OLD_PMAP NEW_RMAP...``: for each rmap, the imap of its instrument gets
the rmap for its type (``<instr>_<type>_n/a`` sets the type to N/A); the pmap gets the new
imaps (``opencrds.rules.derive``). New names are the next free serials among the cache's
mappings and the output directory. Each bad rmap gives one ERROR; the exit status is the
error count.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..cache.paths import mapping_candidates
from ..rules.derive import Failure, RmapSlot, derive_context, is_not_applicable, rmap_slot
from ..rules.naming import next_mapping_name
from ..rules.parser import ParsedMapping, parse_mapping_text
from .checksum import read_text
from .common import count, log, one_line
from .output import write_text_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds newcontext``."""
    parser.add_argument("old_pmap", help="base pipeline context (a path, or a cached name)")
    parser.add_argument("new_rmaps", nargs="+", metavar="NEW_RMAP",
                        help="new rmaps (paths), or <instr>_<type>_n/a to set a type to N/A")
    parser.add_argument("-o", "--output-dir", default=".", metavar="DIR",
                        help="directory for the new imaps and pmap (default: current)")
    parser.add_argument("--cache", metavar="DIR",
                        help="CRDS cache root to read the base mappings from "
                             "(default: $CRDS_PATH)")


def find_mapping(name: str, cache: str | None, output_dir: str = ".") -> str:
    """A mapping's path: as given if it exists, else in ``output_dir``, else in the cache."""
    if os.path.exists(name):
        return name
    for path in [Path(output_dir) / os.path.basename(name), *mapping_candidates(name, cache)]:
        if path.exists():
            return str(path)
    raise FileNotFoundError(f"mapping '{name}' not found")


def _existing(name: str, cache: str | None, output_dir: str) -> list[str]:
    """Mapping names already taken: those of the cache directory and of ``output_dir``."""
    names = os.listdir(output_dir)
    cache_dir = mapping_candidates(name, cache)[0].parent
    if cache_dir.is_dir():
        names += os.listdir(cache_dir)
    return names


def _load(name: str, cache: str | None, output_dir: str) -> ParsedMapping:
    path = find_mapping(name, cache, output_dir)
    return parse_mapping_text(read_text(path), os.path.basename(path))


def _slot(rmap: str) -> RmapSlot | Exception:
    """The slot of a new rmap argument (its file read here), or why there is none."""
    try:
        if is_not_applicable(rmap):
            return rmap_slot(rmap)
        return rmap_slot(os.path.basename(rmap), read_text(rmap))
    except Exception as exc:  # reported as a failure of this rmap
        return exc


def new_context(old_pmap: str, rmaps: list[str], output_dir: str = ".",
                cache: str | None = None) -> list[str]:
    """Write the new imaps and pmap; return their paths (pmap last)."""
    pmap = _load(old_pmap, cache, output_dir)
    derived = derive_context(pmap, [(rmap, _slot(rmap)) for rmap in sorted(rmaps)],
                             lambda name: _load(name, cache, output_dir),
                             lambda name: os.path.basename(next_mapping_name(
                                 name, _existing(name, cache, output_dir))))
    for step in derived.steps:
        if isinstance(step, Failure):
            log.error("Failed adding '%s' : %s", step.rmap, one_line(step.error))
        else:
            new = os.path.join(output_dir, step.new) if step.new_is_derived else step.new
            log.info("Replaced '%s' with '%s' for '%s' in '%s' producing '%s'", step.old, new,
                     step.key, step.mapping, os.path.join(output_dir, step.producing))
    paths = []
    for mapping in derived.mappings:
        path = os.path.join(output_dir, mapping.name)
        log.info("Adjusting name '%s' derived_from '%s' in '%s'", mapping.name,
                 mapping.derived_from, path)
        write_text_atomic(path, mapping.text)
        paths.append(path)
    return paths


def run(args: argparse.Namespace) -> int:
    """Build the new context; return the number of errors."""
    try:
        for path in new_context(args.old_pmap, args.new_rmaps, args.output_dir, args.cache):
            print(path)
    except Exception as exc:
        if getattr(args, "debug_traceback", False):
            raise
        log.error("%s", one_line(exc))
    return count("ERROR")

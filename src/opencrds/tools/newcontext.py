"""``opencrds newcontext``: new imaps and a new pmap around new rmaps (TOOLS.md §2.9).

``opencrds newcontext OLD_PMAP NEW_RMAP...``: for each rmap, the imap of its instrument gets
the rmap for its type (``<instr>_<type>_n/a`` sets the type to N/A); the pmap gets the new
imaps. New names are the next free serials (naming.next_mapping_name) among the cache's
mappings and the output directory. Each bad rmap gives one ERROR; the exit status is the
error count.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..cache.paths import mapping_candidates
from ..rules.edit import derived_text, set_context_entry
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


def _rmap_slot(rmap: str) -> tuple[str, str, str]:
    """(instrument, filekind, value) for a new rmap argument."""
    base = os.path.basename(rmap)
    if rmap.lower().endswith("_n/a"):
        parts = rmap[: -len("_n/a")].lower().split("_")
        if len(parts) not in (2, 3):
            raise ValueError(f"'{rmap}' is not <instr>_<type>_n/a")
        return parts[-2], parts[-1], "N/A"
    header = parse_mapping_text(read_text(rmap), base).header
    return str(header["instrument"]).lower(), str(header["filekind"]).lower(), base


def new_context(old_pmap: str, rmaps: list[str], output_dir: str = ".",
                cache: str | None = None) -> list[str]:
    """Write the new imaps and pmap; return their paths (pmap last)."""
    pmap = _load(old_pmap, cache, output_dir)
    imaps: dict[str, tuple[ParsedMapping, str]] = {}  # instrument -> (new imap, new path)
    for rmap in sorted(rmaps):
        try:
            instrument, filekind, value = _rmap_slot(rmap)
            if instrument not in imaps:
                imap_name = next((v for k, v in pmap.selector.items()
                                  if str(k).lower() == instrument), None)
                if imap_name is None:
                    raise ValueError(f"instrument '{instrument}' is not in '{pmap.filename}'")
                imap = _load(imap_name, cache, output_dir)
                new_name = os.path.basename(next_mapping_name(
                    imap.filename, _existing(imap.filename, cache, output_dir)))
                imaps[instrument] = imap, os.path.join(output_dir, new_name)
            imap, path = imaps[instrument]
            updated, old = set_context_entry(imap, filekind, value)
            imaps[instrument] = updated, path
            log.info("Replaced '%s' with '%s' for '%s' in '%s' producing '%s'",
                     old, value, filekind, imap.filename, path)
        except Exception as exc:
            log.error("Failed adding '%s' : %s", rmap, one_line(exc))
    name = os.path.basename(next_mapping_name(pmap.filename,
                                              _existing(pmap.filename, cache, output_dir)))
    pmap_path = os.path.join(output_dir, name)
    new_pmap = pmap
    for instrument, (_imap, path) in sorted(imaps.items()):
        new_pmap, old = set_context_entry(new_pmap, instrument, os.path.basename(path))
        log.info("Replaced '%s' with '%s' for '%s' in '%s' producing '%s'",
                 old, path, instrument.upper(), pmap.filename, pmap_path)
    written = [(new_pmap, pmap_path)] + [imaps[i] for i in sorted(imaps)]
    for mapping, path in written:
        name = os.path.basename(path)
        log.info("Adjusting name '%s' derived_from '%s' in '%s'", name, mapping.filename, path)
        write_text_atomic(path, derived_text(mapping, mapping.filename, name))
    return [path for _, path in written]


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

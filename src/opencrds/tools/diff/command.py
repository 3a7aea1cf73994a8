"""``opencrds diff OLD NEW``: differences between mappings or references (TOOLS.md §2.5).

Mappings: the recursive logical differences (contexts -> imaps -> rmaps), one Python tuple
per line as ``crds diff`` prints them, or one of the alternative reports (new files, affected
instruments, types or modes). FITS references: astropy's FITSDiff report and the table row
differences; JSON/YAML/ASDF files: a context diff of their text. Exit status: 0 same,
1 different, 2 errors or warnings (as CRDS); 255 when ``--sync-files`` has no server.
"""

from __future__ import annotations

import argparse
import os
import sys

from ...cache.paths import mapping_candidates
from ...rules.naming import is_mapping
from ..common import FATAL, ToolError, count, log, one_line
from .report import MappingDiffer, all_new_files, cache_loader, make_loader, sync_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds diff``."""
    parser.add_argument("old_file", help="old file (bare name = current directory; "
                                         "crds://NAME = in the cache)")
    parser.add_argument("new_file", help="new file, same forms")
    parser.add_argument("-P", "--primitive-diffs", action="store_true",
                        help="also difference every replaced file (mappings recursively, FITS)")
    parser.add_argument("-T", "--mapping-text-diffs", action="store_true",
                        help="also print a context diff of the mapping text")
    parser.add_argument("-i", "--include-header-diffs", action="store_true",
                        help="include differences of the mapping headers")
    parser.add_argument("-B", "--hide-boring-diffs", action="store_true",
                        help="hide sha1sum, derived_from and name header differences")
    parser.add_argument("-U", "--recurse-added-deleted", action="store_true",
                        help="list every file below an added or deleted mapping")
    parser.add_argument("-K", "--check-diffs", action="store_true",
                        help="warn about rule changes, deletions and reversions")
    parser.add_argument("--check-references", action="store_true",
                        help="warn when references are added to or deleted from a mapping")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("-N", "--print-new-files", action="store_true",
                       help="print the new files (mappings, then references) instead of diffs")
    modes.add_argument("-A", "--print-all-new-files", action="store_true",
                       help="print every new file of the serial range as 'name instrument type'")
    modes.add_argument("--print-affected-instruments", action="store_true",
                       help="print the instruments with differences instead of diffs")
    modes.add_argument("--print-affected-types", action="store_true",
                       help="print the instruments and types with differences instead of diffs")
    modes.add_argument("--print-affected-modes", action="store_true",
                       help="print the instrument, type and match parameters of the differences")
    modes.add_argument("--cache1", metavar="DIR",
                       help="CRDS cache of the old mapping (cache-to-cache rules difference)")
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument("--cache2", metavar="DIR",
                         help="CRDS cache of the new mapping (requires --cache1)")
    sources.add_argument("--sync-files", action="store_true",
                         help="download missing files of the difference from the CRDS server")
    parser.add_argument("-L", "--lowest-mapping-only", action="store_true",
                        help="show only the lowest mapping pair of each difference")
    parser.add_argument("-E", "--remove-paths", action="store_true",
                        help="show mapping names without their directories")
    parser.add_argument("-Q", "--squash-tuples", action="store_true",
                        help="print differences as plain text, without tuple notation")
    parser.add_argument("-F", "--brief", action="store_true",
                        help="same as -L -E -B -i")
    parser.add_argument("--cache", metavar="DIR",
                        help="CRDS cache root for crds:// and nested mappings "
                             "(default: $CRDS_PATH)")


def resolve(name: str, cache: str | None = None) -> str:
    """``crds://x`` -> the cached file; a bare name -> ``./name``."""
    if name.startswith("crds://"):
        return str(mapping_candidates(name[len("crds://"):], cache)[0])
    return name if os.path.dirname(name) else os.path.join(".", name)


def _expand_brief(args: argparse.Namespace) -> None:
    if args.brief:
        args.lowest_mapping_only = args.remove_paths = True
        args.hide_boring_diffs = args.include_header_diffs = True


def _paths(args: argparse.Namespace) -> tuple[str, str]:
    if bool(args.cache1) != bool(args.cache2):
        raise ToolError("Cache-to-cache comparison requires both --cache1 and --cache2;  "
                        "otherwise neither for single cache comparison.")
    if args.cache1:
        return (str(mapping_candidates(os.path.basename(args.old_file), args.cache1)[0]),
                str(mapping_candidates(os.path.basename(args.new_file), args.cache2)[0]))
    return resolve(args.old_file, args.cache), resolve(args.new_file, args.cache)


def _diff_references(old: str, new: str) -> bool:
    from ...io.filediff import diff_files

    result = diff_files(old, new)
    if not result.comparable:
        log.warning("Cannot difference file of type 'unknown' : %r %r", old, new)
        return False
    sys.stdout.write(result.text)
    return result.different


def run(args: argparse.Namespace) -> int:
    """0 = no differences, 1 = differences, 2 = errors or warnings."""
    _expand_brief(args)
    old, new = _paths(args)
    if args.sync_files and not sync_files(args, old, new):
        return FATAL
    different = False
    try:
        for path in (old, new):
            if not os.path.exists(path):
                raise FileNotFoundError(f"No such file: '{path}'")
        if is_mapping(old) and is_mapping(new):
            if args.print_all_new_files:
                different = all_new_files(old, new, args)
            else:
                load = cache_loader() if args.cache1 else make_loader((old, new), args.cache)
                different = MappingDiffer(args, load).run(old, new)
        elif is_mapping(old) or is_mapping(new):
            raise ValueError("cannot compare a mapping with a reference file")
        else:
            different = _diff_references(old, new)
    except Exception as exc:
        if getattr(args, "debug_traceback", False):
            raise
        log.error("%s", one_line(exc))
    if count("ERROR") or count("WARNING"):
        return 2
    return 1 if different else 0

"""``opencrds diff OLD NEW``: differences between mappings or references (TOOLS.md §2.5).

Mappings: the recursive logical differences (contexts -> imaps -> rmaps), one Python tuple
per line as ``crds diff`` prints them; ``-T`` adds a context diff of the text. FITS references:
astropy's FITSDiff report; other files: a context diff of their text. Exit status: 0 same,
1 different, 2 errors (as CRDS).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from collections.abc import Callable

from ..cache.paths import mapping_candidates
from ..rules.diff import header_diffs, logical_diffs
from ..rules.naming import is_mapping
from ..rules.parser import ParsedMapping, parse_mapping_text
from .checksum import read_text
from .common import count, log, one_line

BORING = ("sha1sum", "derived_from", "name")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds diff``."""
    parser.add_argument("old_file", help="old file (bare name = current directory; "
                                         "crds://NAME = in the cache)")
    parser.add_argument("new_file", help="new file, same forms")
    parser.add_argument("-T", "--mapping-text-diffs", action="store_true",
                        help="also print a context diff of the mapping text")
    parser.add_argument("-i", "--include-header-diffs", action="store_true",
                        help="include differences of the mapping headers")
    parser.add_argument("-B", "--hide-boring-diffs", action="store_true",
                        help="hide sha1sum, derived_from and name header differences")
    parser.add_argument("--cache", metavar="DIR",
                        help="CRDS cache root for crds:// and nested mappings "
                             "(default: $CRDS_PATH)")


def resolve(name: str, cache: str | None = None) -> str:
    """``crds://x`` -> the cached file; a bare name -> ``./name``."""
    if name.startswith("crds://"):
        return str(mapping_candidates(name[len("crds://"):], cache)[0])
    return name if os.path.dirname(name) else os.path.join(".", name)


def make_loader(tops: tuple[str, ...], cache: str | None) -> Callable[[str], ParsedMapping]:
    """Load a mapping by path, or a nested one from the top files' directories or the cache."""
    dirs = list(dict.fromkeys(os.path.dirname(t) or "." for t in tops))
    memo: dict[str, ParsedMapping] = {}

    def load(name: str) -> ParsedMapping:
        if name not in memo:
            candidates = [name] if name in tops else [
                *(os.path.join(d, name) for d in dirs), *map(str, mapping_candidates(name, cache))]
            path = next((p for p in candidates if os.path.exists(p)), candidates[0])
            memo[name] = parse_mapping_text(read_text(path), os.path.basename(path))
        return memo[name]
    return load


def text_diff(old: str, new: str) -> list[str]:
    """A UNIX context diff of two text files."""
    def stamp(path: str) -> str:
        return time.ctime(os.path.getmtime(path))
    return list(difflib.context_diff(read_text(old).splitlines(True),
                                     read_text(new).splitlines(True), old, new,
                                     stamp(old), stamp(new)))


def diff_mappings(old: str, new: str, args: argparse.Namespace) -> bool:
    """Print the mapping differences; return True if there are any."""
    load = make_loader((old, new), args.cache)
    diffs = logical_diffs(old, new, load, shown=(old, new))
    if args.include_header_diffs:
        boring = BORING if args.hide_boring_diffs else ()
        diffs = list(header_diffs(load(old), load(new), ((old, new),), boring)) + diffs
    lines = text_diff(old, new) if args.mapping_text_diffs else []
    if args.mapping_text_diffs:
        print("=" * 20, f"logical differences {old!r} vs. {new!r}", "=" * 20)
    for diff in diffs:
        print(diff)
    if args.mapping_text_diffs:
        print("=" * 20, f"text difference {old!r} vs. {new!r}", "=" * 20)
        sys.stdout.writelines(lines)
    return bool(diffs or lines)


def diff_references(old: str, new: str) -> bool:
    """FITSDiff for FITS files, else a text context diff; return True if they differ."""
    if old.lower().endswith(".fits") and new.lower().endswith(".fits"):
        from astropy.io.fits import FITSDiff

        report = FITSDiff(old, new)
        if not report.identical:
            print(report.report())
        return not report.identical
    lines = text_diff(old, new)
    sys.stdout.writelines(lines)
    return bool(lines)


def run(args: argparse.Namespace) -> int:
    """0 = no differences, 1 = differences, 2 = errors."""
    old, new = resolve(args.old_file, args.cache), resolve(args.new_file, args.cache)
    try:
        for path in (old, new):
            if not os.path.exists(path):
                raise FileNotFoundError(f"No such file: '{path}'")
        if is_mapping(old) and is_mapping(new):
            different = diff_mappings(old, new, args)
        elif is_mapping(old) or is_mapping(new):
            raise ValueError("cannot compare a mapping with a reference file")
        else:
            different = diff_references(old, new)
    except Exception as exc:
        if getattr(args, "debug_traceback", False):
            raise
        log.error("%s", one_line(exc))
    if count("ERROR") or count("WARNING"):
        return 2
    return 1 if different else 0

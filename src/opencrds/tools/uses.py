"""``opencrds uses --files NAME...``: the cached mappings that refer to files (TOOLS.md §2.12).

Every mapping in the cache's mapping directories is scanned once; a mapping uses a file when
its selector names it, directly or through the mappings it names (rmaps -> imaps -> pmaps).
Output: the sorted set of users, one per line (``-i``: ``used user``). Exit: error count.
"""

from __future__ import annotations

import argparse
import os
import re
from collections import defaultdict
from pathlib import Path

from ..cache.paths import branch_dir
from ..observatories import registered_observatories
from ..rules.naming import is_mapping
from .common import count, log

_QUOTED = re.compile(r"""['"]([^'"\s]+)['"]""")
_SAFE = re.compile(r"^[A-Za-z0-9_./|-]+$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds uses``."""
    parser.add_argument("--files", nargs="+", metavar="NAME", required=True,
                        help="reference or mapping names to look for (basenames are used)")
    parser.add_argument("-i", "--include-used", action="store_true",
                        help="prefix each line with the used file")
    parser.add_argument("--cache", metavar="DIR",
                        help="CRDS cache root (default: $CRDS_PATH)")


def mapping_dirs(cache: str | None) -> list[Path]:
    """The cache's per-observatory mapping directories that exist."""
    if cache is not None:
        dirs = [Path(cache) / "mappings" / obs for obs in registered_observatories()]
    else:
        dirs = [branch_dir("mappings", obs) for obs in registered_observatories()]
    return [d for d in dirs if d.is_dir()]


def reverse_index(dirs: list[Path]) -> dict[str, set[str]]:
    """name -> the mappings whose selector names it."""
    users: dict[str, set[str]] = defaultdict(set)
    for directory in dirs:
        for name in os.listdir(directory):
            if not is_mapping(name):
                continue
            try:
                text = (directory / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            body = text.split("selector", 1)[-1]
            for word in set(_QUOTED.findall(body)):
                users[word].add(name)
    return users


def uses(names: list[str], users: dict[str, set[str]]) -> set[str]:
    """Every mapping that uses one of ``names``, transitively."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in found:
                found.add(user)
                todo.append(user)
    return found


def run(args: argparse.Namespace) -> int:
    """Print the users of each file; return the number of errors."""
    index = reverse_index(mapping_dirs(args.cache))
    for name in args.files:
        base = os.path.basename(name)
        if not _SAFE.match(base):
            log.error("Unsafe or invalid file name: '%s'", name)
            continue
        for user in sorted(uses([base], index)):
            print(f"{base} {user}" if args.include_used else user)
    return count("ERROR")

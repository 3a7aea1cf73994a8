"""The mapping reports of ``opencrds diff`` (TOOLS.md §2.5): logical differences formatted by
``-L/-E/-Q``, ``-P`` primitive diffs of replaced files, ``-T`` text diffs, the ``-K`` and
``--check-references`` warnings, and the alternative outputs ``-N``, ``-A`` and
``--print-affected-instruments/types/modes``; also ``--sync-files``."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from typing import Any

from ...cache.paths import mapping_candidates, observatory_of, reference_path
from ...rules.diff import Difference, DiffOptions, logical_diffs
from ...rules.diff_analysis import (
    affected_instruments,
    affected_modes,
    affected_types,
    check_diffs,
    lowest_mapping_only,
    mapping_files,
    mapping_pairs,
    message_words,
    new_files,
    reference_changes,
    remove_paths,
    split_new_files,
    squash,
)
from ...rules.errors import CrdsError
from ...rules.naming import is_mapping
from ...rules.parser import ParsedMapping, parse_mapping_text
from ..checksum import read_text
from ..common import connected_server_info, log

BORING = ("sha1sum", "derived_from", "name")
_SERIAL_NAME = re.compile(r"^(?P<prefix>.*_)(?P<serial>\d+)(?P<ext>\.[pir]map)$")


class MappingLoader:
    """Loads mappings by path, or nested ones from the top files' directories or the cache."""

    def __init__(self, tops: tuple[str, ...], cache: str | None) -> None:
        self.tops = tops
        self.cache = cache
        self.dirs = list(dict.fromkeys(os.path.dirname(t) or "." for t in tops))
        self.memo: dict[str, ParsedMapping] = {}

    def locate(self, name: str) -> str:
        if name in self.tops or os.path.dirname(name):
            return name
        candidates = [*(os.path.join(d, name) for d in self.dirs),
                      *map(str, mapping_candidates(name, self.cache))]
        return next((p for p in candidates if os.path.exists(p)), candidates[-1])

    def parse(self, path: str) -> ParsedMapping:
        return parse_mapping_text(read_text(path), os.path.basename(path))

    def __call__(self, name: str) -> ParsedMapping:
        if name not in self.memo:
            self.memo[name] = self.parse(self.locate(name))
        return self.memo[name]


class CacheToCacheLoader(MappingLoader):
    """``--cache1/--cache2``: mappings by path; nested names become paths in the same cache."""

    def __init__(self) -> None:
        super().__init__((), None)

    def locate(self, name: str) -> str:
        return name

    def parse(self, path: str) -> ParsedMapping:
        mapping = dataclasses.replace(super().parse(path), filename=path)
        if not isinstance(mapping.selector, dict):
            return mapping
        folder = os.path.dirname(path)
        selector = {k: os.path.join(folder, v) if isinstance(v, str) and is_mapping(v) else v
                    for k, v in mapping.selector.items()}
        return dataclasses.replace(mapping, selector=selector)


def make_loader(tops: tuple[str, ...], cache: str | None) -> MappingLoader:
    return MappingLoader(tops, cache)


def cache_loader() -> MappingLoader:
    return CacheToCacheLoader()


class MappingDiffer:
    """Computes and prints the report of two mappings as the options ask."""

    def __init__(self, args: argparse.Namespace, load: MappingLoader) -> None:
        self.args = args
        self.load = load
        self.options = DiffOptions(
            include_headers=args.include_header_diffs,
            boring=BORING if args.hide_boring_diffs else (),
            recurse_added_deleted=args.recurse_added_deleted)
        self.observatory = ""

    def diffs(self, old: str, new: str) -> list[Difference]:
        return logical_diffs(old, new, self.load, shown=(old, new), options=self.options)

    def format(self, diff: Difference) -> str:
        if self.args.lowest_mapping_only:
            diff = lowest_mapping_only(diff)
        if self.args.remove_paths:
            diff = remove_paths(diff)
        return squash(diff) if self.args.squash_tuples else str(diff)

    def run(self, old: str, new: str) -> bool:
        """Print the report; True if the mappings differ."""
        args = self.args
        header = self.load(old).header
        self.observatory = str(header.get("observatory") or
                               observatory_of(os.path.basename(old))).lower()
        diffs = self.diffs(old, new)
        different = bool(diffs)
        if args.print_new_files:
            for name in split_new_files(new_files(old, new, self.load)):
                print(name)
        elif args.print_affected_types or args.print_affected_instruments \
                or args.print_affected_modes:
            lines = self.affected(diffs)
            for line in lines:
                print(line)
            different = bool(lines)  # as crds: the status tells whether anything is affected
        else:
            self.print_diffs(old, new, diffs)
        if args.check_diffs:
            for warning in check_diffs(diffs):
                log.warning("%s", warning)
        if args.check_references:
            for warning in reference_changes(diffs, self.load):
                log.warning("%s", warning)
        return different

    def affected(self, diffs: list[Difference]) -> list[str]:
        """The lines of ``--print-affected-instruments/types/modes``."""
        if self.args.print_affected_modes:
            return affected_modes(diffs, self.load)
        types = affected_types(diffs, self.load)
        if self.args.print_affected_types:
            return [f"{instrument:<10s} {filekind:<10s}" for instrument, filekind in types]
        return affected_instruments(types)

    def print_diffs(self, old: str, new: str, diffs: list[Difference]) -> None:
        from ...io.filediff import text_diff

        text = self.args.mapping_text_diffs
        lines = text_diff(old, new, gnu=True) if text else []
        if text:
            print("=" * 20, f"logical differences {old!r} vs. {new!r}", "=" * 20)
        self.print_list(diffs)
        if not text:
            return
        print("=" * 20, f"text difference {old!r} vs. {new!r}", "=" * 20)
        sys.stdout.writelines(lines)
        print("=" * 80)
        # then each pair of nested mappings that differ (on the path of a difference, or a
        # replaced sub-mapping), by name
        nested = {pair for diff in diffs for pair in mapping_pairs(diff)[1:] if pair[0] != pair[1]}
        for diff in diffs:
            verb, first, second = message_words(diff)
            if verb == "replaced" and first and second and is_mapping(first) \
                    and is_mapping(second):
                nested.add((first, second))
        for a, b in sorted(nested):
            print("=" * 20, f"text difference {a!r} vs. {b!r}", "=" * 20)
            sys.stdout.writelines(text_diff(self.load.locate(a), self.load.locate(b),
                                            gnu=True))
            print("=" * 80)

    def print_list(self, diffs: list[Difference]) -> None:
        for diff in diffs:
            if self.args.primitive_diffs:
                print("=" * 80)
            print(self.format(diff))
            if self.args.primitive_diffs:
                self.primitive(diff)

    def primitive(self, diff: Difference) -> None:
        """``-P``: the differences of the two files a ``replaced X with Y`` names."""
        verb, old, new = message_words(diff)
        if verb != "replaced" or not old or not new or "N/A" in (old.upper(), new.upper()):
            return
        if is_mapping(old) and is_mapping(new):
            old_path, new_path = self.load.locate(old), self.load.locate(new)
            self.print_list(self.diffs(old_path, new_path))
            return
        environ = {**os.environ, "CRDS_PATH": self.args.cache} if self.args.cache else None
        paths = [str(reference_path(n, self.observatory, environ)) for n in (old, new)]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            log.error("Can't difference %r and %r : file %r does not exist.", old, new, missing[0])
            return
        from ...io.filediff import diff_files

        sys.stdout.write(diff_files(*paths).text)


def serial_range(old: str, new: str) -> list[str]:
    """The mapping paths from ``old`` to ``new`` by serial number (just the two when the names
    have no common serial form)."""
    a = _SERIAL_NAME.match(os.path.basename(old))
    b = _SERIAL_NAME.match(os.path.basename(new))
    if not (a and b and a["prefix"] == b["prefix"] and a["ext"] == b["ext"]
            and int(a["serial"]) < int(b["serial"])):
        return [old, new]
    width = len(b["serial"])
    folder = os.path.dirname(old)
    middle = [os.path.join(folder, f"{a['prefix']}{i:0{width}d}{a['ext']}")
              for i in range(int(a["serial"]) + 1, int(b["serial"]))]
    return [old, *middle, new]


def all_new_files(old: str, new: str, args: argparse.Namespace) -> bool:
    """``-A``: every file of the serial range's contexts that no earlier context of the range
    uses (a file a reversion brings back is not new), with its instrument and type; True if
    there are any."""
    if not args.sync_files:
        log.warning("--print-all-new-files requires a complete set of rules.  "
                    "suggest --sync-files.")
    names = serial_range(old, new)
    present = [n for n in names if os.path.exists(n)]
    for name in names:
        if name not in present:
            log.error("Missing mapping %r of the range from %r to %r.", name, old, new)
    found: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()  # files of every context so far: a reverted-to file is not new
    for a, b in zip(present, present[1:], strict=False):
        load = make_loader((a, b), args.cache)
        seen |= mapping_files(a, load)
        for name, properties in new_files(a, b, load).items():
            if name not in seen:
                found.setdefault(name, properties)
    for name in split_new_files(found):
        instrument, filekind = found[name]
        print(name, instrument, filekind)
    return bool(found)


def sync_files(args: argparse.Namespace, old: str, new: str) -> bool:
    """``--sync-files``: download the two files and, for mappings, the mappings they use (the
    whole serial range for ``-A``). False when the server cannot be reached."""
    from ...client.download import Downloader
    from ...client.rpc import RpcClient, server_url

    observatory = observatory_of(os.path.basename(new))
    with RpcClient(server_url(observatory)) as client:
        info = connected_server_info(observatory, client)
        if info is None:
            return False
        tops = serial_range(old, new) if args.print_all_new_files else [old, new]
        names: list[str] = []
        for top in map(os.path.basename, tops):
            names.append(top)
            if is_mapping(top):
                names.extend(_mapping_names(client, top))
        downloader = Downloader(observatory, info)
        _, errors = downloader.fetch(downloader.missing(names))
        for name, exc in errors.items():
            log.error("Failed syncing %r : %s", name, exc)
    return True


def _mapping_names(client: Any, name: str) -> list[str]:
    try:
        return list(client.call("get_mapping_names", name))
    except CrdsError as exc:
        log.error("Cannot list the mappings of %r : %s", name, exc)
        return []

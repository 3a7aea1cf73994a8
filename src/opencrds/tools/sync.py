"""``opencrds sync``: download, verify, reorganise and purge the local cache, and refresh the
cached server config (TOOLS.md §2.2)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..client import selection
from .common import log, log_summary

FATAL = 255
INFO_FIELDS = ["size", "rejected", "blacklisted", "state", "sha1sum"]
GOOD_STATES = ("archived", "operational", "delivered", "latest")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    selection.add_arguments(parser)
    parser.add_argument("--files", nargs="*", metavar="FILE",
                        help="explicit mappings or references to fetch (names only)")
    parser.add_argument("--fetch-references", action="store_true",
                        help="also fetch every reference of the selected contexts")
    parser.add_argument("--purge-mappings", action="store_true",
                        help="delete cached mappings outside the selected contexts")
    parser.add_argument("--purge-references", action="store_true",
                        help="delete cached references outside the selected contexts")
    parser.add_argument("-k", "--check-files", action="store_true",
                        help="check existence, size, state and mapping sha1 of synced files")
    parser.add_argument("-s", "--check-sha1sum", action="store_true",
                        help="with --check-files, also check reference sha1sums")
    parser.add_argument("-r", "--repair-files", action="store_true",
                        help="re-download files that fail the checks (implies --check-files)")
    parser.add_argument("--organize", choices=("flat", "instrument"),
                        help="move cached references to the flat or per-instrument layout")
    parser.add_argument("--output-dir", metavar="DIR",
                        help="put files flat in DIR instead of the cache; no config update")
    parser.add_argument("-I", "--ignore-cache", action="store_true",
                        help="download files even when they are already cached")
    parser.add_argument("--dry-run", action="store_true",
                        help="read-only: only report deletions and repairs")
    parser.add_argument("--clear-locks", action="store_true",
                        help="remove stale *.lock files under the config directory and exit")
    parser.add_argument("--force-config-update", action="store_true",
                        help="update server_config even if errors occurred")
    parser.add_argument("-j", "--jobs", type=int, default=4, metavar="N",
                        help="parallel downloads (default 4)")


def _setup_environment(args: argparse.Namespace) -> None:
    if args.readonly_cache or args.dry_run:
        os.environ["CRDS_READONLY_CACHE"] = "1"
    if args.output_dir:
        out = str(Path(args.output_dir).resolve())
        for tag in ("MAP", "REF", "CFG", "PICKLE"):
            os.environ[f"CRDS_{tag}PATH_SINGLE"] = out


def run(args: argparse.Namespace) -> int:
    """Order of TOOLS.md §2.2: locks, organize, server, transfers, checks, config, summary."""
    from ..cache.locking import clear_locks
    from ..cache.paths import readonly, root_config_dir

    started = time.time()
    _setup_environment(args)
    if args.clear_locks:
        root = root_config_dir()
        log.info("Scanning %s for stale file locks...", root)
        log.info("Cleared %d stale file lock(s) from cache.", clear_locks(root))
        return 0
    observatory = selection.observatory_of_args(args)
    if args.repair_files:
        args.check_files = True
    if readonly():
        log.info("Syncing READONLY cache,  only checking functions are enabled.")
        log.info("All cached updates, context changes, and file downloads are inhibited.")
    if args.organize:
        from ..cache.organize import organize

        organize(observatory, args.organize)
    has_selection = (args.files is not None or args.contexts is not None
                     or selection.wants_server_list(args))
    if not has_selection:
        if args.organize:
            return 0
        log.error("Define --all, --contexts, --last, --range, --files, or --fetch-sqlite-db "
                  "to sync.")
        return FATAL
    return Syncer(args, observatory).run(started)


class Syncer:
    """One sync run: what to fetch, fetching it, checking, purging, saving the config."""

    def __init__(self, args: argparse.Namespace, observatory: str) -> None:
        self.args = args
        self.observatory = observatory
        self.errors = 0
        self.bytes = 0

    def run(self, started: float) -> int:
        from ..cache.config import save_server_config
        from ..cache.paths import readonly
        from ..client.download import Downloader
        from ..client.rpc import RpcClient, server_url
        from ..client.serverinfo import fetch_server_info

        args = self.args
        with RpcClient(server_url(self.observatory)) as client:
            info = fetch_server_info(self.observatory, client)
            if not info.get("connected"):
                log.error("(FATAL) Failed connecting to CRDS server at CRDS_SERVER_URL = %r :: "
                          "Required server connection unavailable.", client.url)
                return FATAL
            self.client, self.info = client, info
            downloader = Downloader(self.observatory, info)
            try:
                contexts, mappings, references = self.wanted()
                files = mappings + references
                if readonly():
                    self.estimate(downloader, files)
                else:
                    self.transfer(downloader, files)
                if args.check_files:
                    self.verify(downloader, files)
                if args.purge_mappings and contexts:
                    self.purge("mappings", set(mappings))
                if args.purge_references and contexts:
                    self.purge("references", set(references))
            finally:
                downloader.close()
            if (not self.errors or args.force_config_update) and not args.output_dir:
                save_server_config(self.observatory, info)
        if args.output_dir:
            mode = Path(args.output_dir) / "ref_cache_subdir_mode"
            if mode.exists():
                mode.unlink()
        if args.stats:
            elapsed = max(time.time() - started, 1e-6)
            log.info("STATS: %d bytes in %.2f s (%.0f bytes/s)", self.bytes, elapsed,
                     self.bytes / elapsed)
        log_summary()
        return self.errors

    def wanted(self) -> tuple[list[str], list[str], list[str]]:
        """(selected contexts, mappings to fetch, references to fetch)."""
        from ..client.specifiers import is_literal, resolve
        from ..rules.naming import is_mapping

        args, client, info = self.args, self.client, self.info
        contexts: list[str] = []
        mappings: list[str] = []
        references: list[str] = []
        if args.contexts is not None or selection.wants_server_list(args):
            contexts = selection.select_contexts(args, info, client)
            for context in contexts:
                for name in client.call("get_mapping_names", context):
                    if name not in mappings:
                        mappings.append(name)
                if args.fetch_references:
                    for name in client.call("get_reference_names", context):
                        if name not in references:
                            references.append(name)
        for spec in args.files or []:
            name = os.path.basename(spec)
            if not is_literal(name) and not os.path.splitext(name)[1]:
                name = resolve(spec, info, client)
            (mappings if is_mapping(name) else references).append(name)
        return contexts, mappings, sorted(set(references))

    def transfer(self, downloader: Any, files: list[str]) -> None:
        """Fetch the missing files in parallel, with a progress bar on a terminal."""
        missing = downloader.missing(files, self.args.ignore_cache)
        total = sum(downloader.size(n) for n in missing)
        log.info("Syncing %d files", len(missing))
        if not missing:
            return
        progress, bar, task = None, None, None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

            bar = Progress("[progress.description]{task.description}", BarColumn(),
                           DownloadColumn(), TransferSpeedColumn(), transient=True)
            task = bar.add_task("Fetching", total=total)

            def progress(_name: str, count: int) -> None:
                bar.advance(task, count)
            bar.start()
        else:
            done = [0]
            for i, name in enumerate(missing, 1):
                done[0] += downloader.size(name)
                log.info("Fetching  %-55s  %d bytes  (%d / %d files) (%d / %d bytes)",
                         downloader.path(name), downloader.size(name), i, len(missing),
                         done[0], total)
        try:
            paths, errors = downloader.fetch(missing, ignore_cache=self.args.ignore_cache,
                                             jobs=self.args.jobs, progress=progress)
        finally:
            if bar is not None:
                bar.stop()
        self.bytes += sum(downloader.size(n) for n in paths)
        for name, exc in sorted(errors.items()):
            log.error("Failed syncing '%s': %s", name, exc)
            self.errors += 1

    def estimate(self, downloader: Any, files: list[str]) -> None:
        missing = downloader.missing(files)
        size = sum(downloader.size(n) for n in missing)
        log.info("READONLY CACHE would download %d files totalling %d bytes.", len(missing),
                 size)

    def verify(self, downloader: Any, files: list[str]) -> None:
        """Compare local files with the server catalog (TOOLS.md §4.7)."""
        from ..cache.config import bad_files
        from ..cache.paths import readonly
        from ..cache.storage import remove, sha1_of
        from ..rules.naming import is_mapping

        catalog = self.client.call("get_file_info_map", self.observatory, files, INFO_FIELDS)
        bad = bad_files(self.info)
        repair: list[str] = []
        for i, name in enumerate(files, 1):
            entry = catalog.get(name)
            path = downloader.path(name)
            log.debug("Verifying %s %s (%d / %d files)", name, path, i, len(files))
            if not isinstance(entry, dict):
                log.error("CRDS has no record of file '%s'", name)
                self.errors += 1
                continue
            if not path.exists():
                if name not in bad:
                    log.error("File '%s' doesn't exist at '%s'", name, path)
                    self.errors += 1
                    repair.append(name)
                continue
            size = str(entry.get("size", ""))
            if size.isdigit() and int(size) != path.stat().st_size:
                log.error("File '%s' length mismatch LOCAL size='%d' CRDS size='%s'", name,
                          path.stat().st_size, size)
                self.errors += 1
                repair.append(name)
                continue
            if is_mapping(name) or self.args.check_sha1sum:
                crds_sha1 = str(entry.get("sha1sum", "none"))
                if crds_sha1.lower() == "none":
                    log.warning("CRDS doesn't know the checksum for '%s'", name)
                elif (local := sha1_of(path)) != crds_sha1:
                    log.error("File '%s' checksum mismatch CRDS=%r LOCAL=%r", name, crds_sha1,
                              local)
                    self.errors += 1
                    repair.append(name)
            if entry.get("state") and entry["state"] not in GOOD_STATES:
                log.warning("File '%s' has an unusual CRDS file state %r", name, entry["state"])
        if self.args.repair_files and repair and not readonly():
            for name in repair:
                log.info("Repairing file '%s'", downloader.path(name))
                remove(downloader.path(name))
            _, errors = downloader.fetch(repair)
            for name, exc in errors.items():
                log.error("Repair of '%s' failed: %s", name, exc)

    def purge(self, branch: str, keep: set[str]) -> None:
        from ..cache.organize import cached_references
        from ..cache.paths import branch_dir
        from ..cache.storage import remove

        if branch == "mappings":
            folder = branch_dir("mappings", self.observatory)
            cached = sorted(folder.glob("*.[pir]map")) if folder.is_dir() else []
        else:
            cached = cached_references(self.observatory)
            keep = keep | {n[:-1] + "d" for n in keep if n[-3:-2] == "r" and n.endswith("h")}
        for path in cached:
            if path.name not in keep:
                log.info("Purging %s '%s'", branch[:-1], path)
                remove(path)

"""``opencrds sync``: download, verify, reorganise and purge the local cache, and refresh the
cached server config (TOOLS.md §2.2)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from ...client.selection import select_contexts
from ..common import FATAL, log, log_summary, server_required
from ..context_switches import add_context_arguments, context_selection, observatory_of_args
from .datasets import DatasetSources

INFO_FIELDS = ["size", "rejected", "blacklisted", "state", "sha1sum"]
GOOD_STATES = ("archived", "operational", "delivered", "latest")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_context_arguments(parser)
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
    parser.add_argument("--include-orphans", action="store_true",
                        help="also count catalog references no .pmap mentions (needs the "
                             "server)")
    parser.add_argument("--dataset-files", nargs="*", metavar="DATASET",
                        help="fetch the references these dataset files need under each "
                             "--contexts context")
    parser.add_argument("--dataset-ids", nargs="*", metavar="ID",
                        help="fetch the references these dataset ids (or @file of ids) need "
                             "under each --contexts context")
    parser.add_argument("--purge-rejected", action="store_true",
                        help="with --check-files, remove files the server marks rejected; "
                             "never fetch bad files")
    parser.add_argument("--purge-blacklisted", action="store_true",
                        help="with --check-files, remove files the server marks blacklisted; "
                             "never fetch bad files")
    parser.add_argument("--fetch-sqlite-db", action="store_true",
                        help="download the server catalog as config/<obs>/crds_db.sqlite3")
    parser.add_argument("--organize-delete-junk", action="store_true",
                        help="with --organize, delete files or directories in the way")
    parser.add_argument("--verify-context-change", action="store_true",
                        help="make it an error if the cached latest context does not change")
    parser.add_argument("--push-context", metavar="KEY",
                        help="report the final cached context to the server for pipeline KEY")
    parser.add_argument("--clear-pickles", action="store_true",
                        help="remove all context pickles (pickles/<obs>/*.pkl) first")
    parser.add_argument("--save-pickles", action="store_true",
                        help="save pickles of the synced contexts (keeps existing ones)")


def _setup_environment(args: argparse.Namespace) -> None:
    if args.readonly_cache or args.dry_run:
        os.environ["CRDS_READONLY_CACHE"] = "1"
    if args.output_dir:
        out = str(Path(args.output_dir).resolve())
        for tag in ("MAP", "REF", "CFG", "PICKLE"):
            os.environ[f"CRDS_{tag}PATH_SINGLE"] = out


def run(args: argparse.Namespace) -> int:
    """Order of TOOLS.md §2.2: locks, pickles, organize, server, transfers, checks, pickles,
    config, summary."""
    from ...cache.locking import clear_locks
    from ...cache.paths import readonly, root_config_dir

    started = time.time()
    _setup_environment(args)
    if args.clear_locks:
        root = root_config_dir()
        log.info("Scanning %s for stale file locks...", root)
        log.info("Cleared %d stale file lock(s) from cache.", clear_locks(root))
        return 0
    observatory = observatory_of_args(args)
    if args.repair_files:
        args.check_files = True
    if args.purge_rejected or args.purge_blacklisted:
        args.check_files = True
    if readonly():
        log.info("Syncing READONLY cache,  only checking functions are enabled.")
        log.info("All cached updates, context changes, and file downloads are inhibited.")
    if args.clear_pickles or args.ignore_cache or args.repair_files:
        from ...cache.pickles import clear_pickles

        log.info("Removing all context pickles.  Use --save-pickles to recreate for specified "
                 "contexts.")
        clear_pickles(observatory)
    if args.organize:
        from ...cache.organize import organize

        organize(observatory, args.organize, delete_junk=args.organize_delete_junk)
    has_contexts = context_selection(args).names_contexts
    if (args.dataset_files is not None or args.dataset_ids is not None) and not has_contexts:
        log.error("Specify --contexts (or --all, --range, ...) to sync --dataset-files or "
                  "--dataset-ids.")
        return FATAL
    if not (args.files is not None or has_contexts or args.fetch_sqlite_db):
        if args.organize or args.clear_pickles:
            return 0
        log.error("Define --all, --contexts, --last, --range, --files, or --fetch-sqlite-db "
                  "to sync.")
        return FATAL
    return Syncer(args, observatory).run(started)


class Syncer(DatasetSources):
    """One sync run: what to fetch, fetching it, checking, purging, saving the config."""

    def __init__(self, args: argparse.Namespace, observatory: str) -> None:
        self.args = args
        self.observatory = observatory
        self.errors = 0
        self.bytes = 0
        self.keep_references: set[str] = set()

    def run(self, started: float) -> int:
        from ...cache.paths import readonly
        from ...client.download import Downloader
        from ...client.rpc import RpcClient, server_url
        from ...client.serverinfo import fetch_server_info

        args = self.args
        with RpcClient(server_url(self.observatory)) as client:
            info = fetch_server_info(self.observatory, client)
            if not info.get("connected"):
                return server_required(client.url)
            self.client, self.info = client, info
            old_context = self.cached_context()
            downloader = Downloader(self.observatory, info)
            try:
                contexts, mappings, references = self.wanted()
                self.sync_files(downloader, mappings + references)
                needed = self.dataset_references(contexts)
                orphans = self.orphans(contexts)
                self.keep_references |= {*needed, *orphans}
                extra = [n for n in self.without_bad(needed) if n not in references]
                if args.fetch_references:
                    extra += [n for n in self.without_bad(orphans) if n not in references]
                if extra:
                    self.sync_files(downloader, extra)
                    references = sorted(set(references) | set(extra))
                if args.fetch_sqlite_db:
                    self.fetch_sqlite_db()
                files = mappings + references
                if args.check_files:
                    self.verify(downloader, files)
                if args.purge_mappings and contexts:
                    self.purge("mappings", set(mappings))
                if args.purge_references and contexts:
                    self.purge("references", self.keep_references)
            finally:
                downloader.close()
            if args.save_pickles and not readonly():
                self.save_pickles(contexts)
            self.update_config(old_context)
            if args.push_context:
                self.push_context()
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

    def error(self, message: str, *values: Any) -> None:
        log.error(message, *values)
        self.errors += 1

    def verbosity(self) -> int:
        from ..common import env_verbosity

        value = getattr(self.args, "verbosity", None)
        return env_verbosity() if value is None else int(value)

    def sync_files(self, downloader: Any, files: list[str]) -> None:
        from ...cache.paths import readonly

        if readonly():
            self.estimate(downloader, files)
        else:
            self.transfer(downloader, files)

    def without_bad(self, names: list[str]) -> list[str]:
        """``names`` less the server's bad files when --purge-rejected/-blacklisted ask so."""
        from ...cache.config import bad_files

        if not (self.args.purge_rejected or self.args.purge_blacklisted):
            return names
        bad = bad_files(self.info)
        return [n for n in names if n not in bad]

    def cached_context(self) -> str | None:
        """The latest context the cached server_config names (before this sync)."""
        from ...cache.config import load_server_config

        try:
            config = load_server_config(self.observatory)
        except Exception:  # no or unreadable config: nothing cached yet
            return None
        return config.get("operational_context") or config.get("latest_context")

    def update_config(self, old_context: str | None) -> None:
        """Write server_config unless errors occurred; then --verify-context-change."""
        from ...cache.config import save_server_config

        args = self.args
        if args.output_dir:
            return
        if self.errors and not args.force_config_update:
            log.warning("Errors occurred during sync,  skipping CRDS cache config and context "
                        "update.")
        else:
            save_server_config(self.observatory, self.info)
        if args.verify_context_change:
            new_context = self.cached_context()
            if new_context == old_context:
                self.error("Expected latest context switch but starting and post-sync contexts "
                           "are both %r", new_context)

    def push_context(self) -> None:
        """Tell the server which context this pipeline's cache now holds (PROTOCOL.md §2.2)."""
        from ...rules.errors import CrdsError

        context = self.cached_context() or self.info.get("operational_context")
        try:
            try:
                self.client.call("push_remote_context", self.observatory, "operational",
                                 self.args.push_context, context)
            except CrdsError:
                self.client.call("push_remote_context", self.observatory, "latest",
                                 self.args.push_context, context)
        except CrdsError as exc:
            self.error("Failed pushing cached latest context name to CRDS server : %s", exc)
        else:
            log.info("Pushed context %r to the server for the pipeline of the given key.",
                     context)

    def fetch_sqlite_db(self) -> None:
        from ...cache.catalog_db import catalog_db_path, save_catalog_db
        from ...cache.paths import readonly
        from ...rules.errors import CrdsError

        if readonly():
            log.info("READONLY CACHE would download the catalog to '%s'.",
                     catalog_db_path(self.observatory))
            return
        try:
            path = save_catalog_db(self.observatory,
                                   self.client.call("get_sqlite_db", self.observatory))
        except CrdsError as exc:
            self.error("Failed fetching the CRDS catalog database: %s", exc)
        else:
            log.info("Saved the CRDS catalog database to '%s'.", path)

    def save_pickles(self, contexts: list[str]) -> None:
        from ...cache.paths import branch_dir
        from ...cache.pickles import save_pickle
        from ...client.contexts import load_context
        from ...rules.errors import CrdsError

        folder = branch_dir("mappings", self.observatory)
        for context in contexts:
            try:
                mapping = load_context(context)
                texts = {n: (folder / n).read_text(encoding="utf-8")
                         for n in mapping.mapping_names()}
                path = save_pickle(mapping, texts)
            except (CrdsError, OSError) as exc:
                self.error("Failed saving pickle of context %r: %s", context, exc)
            else:
                log.info("Saved pickled context '%s'", path)

    def wanted(self) -> tuple[list[str], list[str], list[str]]:
        """(selected contexts, mappings to fetch, references to fetch)."""
        from ...client.specifiers import is_literal, resolve
        from ...rules.naming import is_mapping

        args, client, info = self.args, self.client, self.info
        contexts: list[str] = []
        mappings: list[str] = []
        references: list[str] = []
        if context_selection(args).names_contexts:
            contexts = select_contexts(context_selection(args), info, client)
            for context in contexts:
                for name in client.call("get_mapping_names", context):
                    if name not in mappings:
                        mappings.append(name)
                if args.fetch_references or (args.purge_references
                                             and not self.has_datasets()):
                    for name in client.call("get_reference_names", context):
                        if name not in references:
                            references.append(name)
        self.keep_references = set(references)
        references = self.without_bad(references) if args.fetch_references else []
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
        if sys.stderr.isatty():
            from .progress import TransferBar

            with TransferBar({name: downloader.size(name) for name in missing}) as bar:
                paths, errors = downloader.fetch(missing, ignore_cache=self.args.ignore_cache,
                                                 jobs=self.args.jobs, progress=bar)
        else:
            done = 0
            for i, name in enumerate(missing, 1):
                done += downloader.size(name)
                log.info("Fetching  %-55s  %d bytes  (%d / %d files) (%d / %d bytes)",
                         downloader.path(name), downloader.size(name), i, len(missing),
                         done, total)
            paths, errors = downloader.fetch(missing, ignore_cache=self.args.ignore_cache,
                                             jobs=self.args.jobs)
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
        """Compare local files with the server catalog (TOOLS.md §4.7); remove rejected and
        blacklisted files with --purge-rejected / --purge-blacklisted."""
        from ...cache.config import bad_files
        from ...cache.paths import readonly
        from ...cache.storage import remove

        catalog = self.client.call("get_file_info_map", self.observatory, sorted(set(files)),
                                   INFO_FIELDS)
        bad = bad_files(self.info)
        repair: list[str] = []
        for i, name in enumerate(files, 1):
            entry = catalog.get(name)
            path = downloader.path(name)
            log.debug("Verifying %s %s (%d / %d files)", name, path, i, len(files))
            if not isinstance(entry, dict):
                self.error("CRDS has no record of file '%s'", name)
                continue
            if not path.exists():
                if name not in bad:
                    self.error("File '%s' doesn't exist at '%s'", name, path)
                    repair.append(name)
                continue
            if not self.check_contents(name, path, entry):
                repair.append(name)
            if entry.get("state") and entry["state"] not in GOOD_STATES:
                log.warning("File '%s' has an unusual CRDS file state %r", name, entry["state"])
            if self.purged_as_bad(name, path, entry) and name in repair:
                repair.remove(name)
        if self.args.repair_files and repair and not readonly():
            for name in repair:
                log.info("Repairing file '%s'", downloader.path(name))
                remove(downloader.path(name))
            _, errors = downloader.fetch(repair)
            for name, exc in errors.items():
                self.error("Repair of '%s' failed: %s", name, exc)

    def check_contents(self, name: str, path: Path, entry: dict[str, Any]) -> bool:
        """Size, then (mappings, or with --check-sha1sum) sha1 against the catalog."""
        from ...cache.storage import sha1_of
        from ...rules.naming import is_mapping

        size = str(entry.get("size", ""))
        if size.isdigit() and int(size) != path.stat().st_size:
            self.error("File '%s' length mismatch LOCAL size='%d' CRDS size='%s'", name,
                       path.stat().st_size, size)
            return False
        if is_mapping(name) or self.args.check_sha1sum:
            crds_sha1 = str(entry.get("sha1sum", "none"))
            if crds_sha1.lower() == "none":
                log.warning("CRDS doesn't know the checksum for '%s'", name)
            elif (local := sha1_of(path)) != crds_sha1:
                self.error("File '%s' checksum mismatch CRDS=%r LOCAL=%r", name, crds_sha1,
                           local)
                return False
        return True

    def purged_as_bad(self, name: str, path: Path, entry: dict[str, Any]) -> bool:
        """Report a rejected or blacklisted file (verbosity 60) and remove it when asked."""
        from ...cache.purge import purge_file

        flags = [(str(entry.get("rejected", "false")).lower() != "false",
                  self.args.purge_rejected, "File '%s' has been explicitly rejected."),
                 (str(entry.get("blacklisted", "false")).lower() != "false",
                  self.args.purge_blacklisted,
                  "File '%s' has been blacklisted or depends on a blacklisted file.")]
        purged = False
        for flagged, purge, message in flags:
            if not flagged:
                continue
            if self.verbosity() >= 60:  # a verbose warning in CRDS (TOOLS.md §4.7)
                log.warning(message, name)
            if purge and not purged:
                purged = purge_file(path, self.observatory)
        return purged

    def purge(self, branch: str, keep: set[str]) -> None:
        from ...cache.organize import cached_references
        from ...cache.paths import branch_dir
        from ...cache.purge import purge_file

        if branch == "mappings":
            folder = branch_dir("mappings", self.observatory)
            cached = sorted(folder.glob("*.[pir]map")) if folder.is_dir() else []
        else:
            cached = cached_references(self.observatory)
            keep = keep | {n[:-1] + "d" for n in keep if n[-3:-2] == "r" and n.endswith("h")}
        for path in cached:
            if path.name not in keep:
                log.info("Purging %s '%s'", branch[:-1], path)
                purge_file(path, self.observatory)

"""Syncing a local CRDS cache with a server (TOOLS.md §2.2): fetch the rules and references of
contexts, the references datasets need, explicit files and the catalog database; verify,
repair and purge cached files; organize the references; save the server config.

:func:`sync` does one run described by a :class:`SyncOptions` and returns a
:class:`SyncReport`; ``opencrds sync`` and a server's mirror job call it. Messages go to the
``opencrds`` logger; ``SyncOptions.readonly`` and ``output_dir`` apply to this run only
(through ``cache_overrides``, not the process environment).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache.paths import cache_overrides
from ..protocol import ServerInfo
from ..rules.errors import CrdsError
from .selection import ContextSelection, ServerRequired, select_contexts
from .sync_checks import SyncChecks
from .sync_datasets import DatasetSources

log = logging.getLogger("opencrds")

#: ``progress(name, nbytes)``: told of the bytes received for each file, from several threads.
Progress = Callable[[str, int], None]
#: Makes the progress display of one transfer from {name: size}; used as a context manager.
ProgressDisplay = Callable[[Mapping[str, int]], AbstractContextManager[Progress]]


class SyncServerUnavailable(ServerRequired):
    """The server at ``url`` cannot be reached, and a sync needs it."""

    def __init__(self, url: str) -> None:
        super().__init__(f"Required server connection to {url} unavailable.")
        self.url = url


class SyncRequestError(CrdsError):
    """The options ask for nothing that can be synced (nothing named, or datasets without
    contexts)."""


@dataclass(frozen=True)
class SyncOptions:
    """One sync run; the fields follow the options of ``opencrds sync`` (TOOLS.md §2.2)."""

    observatory: str
    #: contexts whose rules (and with ``fetch_references`` references) are synced
    contexts: ContextSelection = field(default_factory=ContextSelection)
    #: explicit mappings or references (names or specifiers); None: none
    files: tuple[str, ...] | None = None
    fetch_references: bool = False
    purge_mappings: bool = False
    purge_references: bool = False
    check_files: bool = False
    check_sha1sum: bool = False
    repair_files: bool = False
    #: move cached references to the "flat" or "instrument" layout first
    organize: str | None = None
    organize_delete_junk: bool = False
    #: put files flat in this directory instead of the cache; the config is not updated
    output_dir: Path | None = None
    ignore_cache: bool = False
    #: never write the cache (``--readonly-cache``, ``--dry-run``): only report
    readonly: bool = False
    #: only remove stale lock files under the config directory
    clear_locks: bool = False
    force_config_update: bool = False
    jobs: int = 4
    include_orphans: bool = False
    #: dataset files (paths) and dataset ids (or @file of ids) whose references to fetch
    dataset_files: tuple[str, ...] | None = None
    dataset_ids: tuple[str, ...] | None = None
    purge_rejected: bool = False
    purge_blacklisted: bool = False
    fetch_sqlite_db: bool = False
    verify_context_change: bool = False
    #: pipeline key to report the final cached context to the server for
    push_context: str | None = None
    clear_pickles: bool = False
    save_pickles: bool = False
    #: log the rejected/blacklisted warnings of the checks (CRDS shows them at verbosity 60)
    warn_bad_files: bool = False
    #: the display of a transfer; None logs a "Fetching" line per file instead
    progress: ProgressDisplay | None = None

    @property
    def checking(self) -> bool:
        """Whether synced files are checked (repairing and purging bad files imply it)."""
        return (self.check_files or self.repair_files or self.purge_rejected
                or self.purge_blacklisted)

    def overrides(self) -> dict[str, str]:
        """The cache settings of this run: read-only, and the output directory's flat paths."""
        values = {"CRDS_READONLY_CACHE": "1"} if self.readonly else {}
        if self.output_dir is not None:
            out = str(Path(self.output_dir).resolve())
            values.update({f"CRDS_{tag}PATH_SINGLE": out
                           for tag in ("MAP", "REF", "CFG", "PICKLE")})
        return values


@dataclass
class SyncReport:
    """What a run did: whether it synced (not only cleared locks or pickles or organized),
    its error count (the exit status of ``opencrds sync``), the bytes transferred and the
    time it took; the files it selected."""

    synced: bool = False
    errors: int = 0
    bytes: int = 0
    seconds: float = 0.0
    contexts: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


def sync(options: SyncOptions) -> SyncReport:
    """Do one sync run (TOOLS.md §2.2 order: locks, pickles, organize, server, transfers,
    checks, pickles, config).

    Raises ``SyncRequestError`` when the options name nothing to sync and
    ``SyncServerUnavailable`` when the server cannot be reached; other problems are logged and counted in the report.
    """
    started = time.time()
    with cache_overrides(options.overrides()):
        report = _sync(options)
    report.seconds = max(time.time() - started, 1e-6)
    return report


def _sync(options: SyncOptions) -> SyncReport:
    from ..cache.locking import clear_locks
    from ..cache.paths import readonly, root_config_dir

    if options.clear_locks:
        root = root_config_dir()
        log.info("Scanning %s for stale file locks...", root)
        log.info("Cleared %d stale file lock(s) from cache.", clear_locks(root))
        return SyncReport()
    if readonly():
        log.info("Syncing READONLY cache,  only checking functions are enabled.")
        log.info("All cached updates, context changes, and file downloads are inhibited.")
    if options.clear_pickles or options.ignore_cache or options.repair_files:
        from ..cache.pickles import clear_pickles

        log.info("Removing all context pickles.  Use --save-pickles to recreate for specified "
                 "contexts.")
        clear_pickles(options.observatory)
    if options.organize:
        from ..cache.organize import organize

        organize(options.observatory, options.organize,
                 delete_junk=options.organize_delete_junk)
    has_contexts = options.contexts.names_contexts
    if (options.dataset_files is not None or options.dataset_ids is not None) \
            and not has_contexts:
        raise SyncRequestError("Specify --contexts (or --all, --range, ...) to sync "
                               "--dataset-files or --dataset-ids.")
    if not (options.files is not None or has_contexts or options.fetch_sqlite_db):
        if options.organize or options.clear_pickles:
            return SyncReport()
        raise SyncRequestError("Define --all, --contexts, --last, --range, --files, or "
                               "--fetch-sqlite-db to sync.")
    return Syncer(options).run()


class Syncer(DatasetSources, SyncChecks):
    """One sync run: what to fetch, fetching it, checking, purging, saving the config."""

    def __init__(self, options: SyncOptions) -> None:
        self.options = options
        self.observatory = options.observatory
        self.report = SyncReport(synced=True)
        self.keep_references: set[str] = set()

    @property
    def errors(self) -> int:
        return self.report.errors

    def run(self) -> SyncReport:
        from ..cache.paths import readonly
        from .download import Downloader
        from .rpc import RpcClient, server_url
        from .serverinfo import fetch_server_info

        options = self.options
        with RpcClient(server_url(self.observatory)) as client:
            info = fetch_server_info(self.observatory, client)
            if not info.connected:
                raise SyncServerUnavailable(client.url)
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
                if options.fetch_references:
                    extra += [n for n in self.without_bad(orphans) if n not in references]
                if extra:
                    self.sync_files(downloader, extra)
                    references = sorted(set(references) | set(extra))
                if options.fetch_sqlite_db:
                    self.fetch_sqlite_db()
                files = mappings + references
                if options.checking:
                    self.verify(downloader, files)
                if options.purge_mappings and contexts:
                    self.purge("mappings", set(mappings))
                if options.purge_references and contexts:
                    self.purge("references", self.keep_references)
            finally:
                downloader.close()
            if options.save_pickles and not readonly():
                self.save_pickles(contexts)
            self.update_config(old_context)
            if options.push_context:
                self.push_context()
        if options.output_dir:
            mode = Path(options.output_dir) / "ref_cache_subdir_mode"
            if mode.exists():
                mode.unlink()
        self.report.contexts, self.report.mappings = contexts, mappings
        self.report.references = references
        return self.report

    def error(self, message: str, *values: Any) -> None:
        log.error(message, *values)
        self.report.errors += 1

    def sync_files(self, downloader: Any, files: list[str]) -> None:
        from ..cache.paths import readonly

        if readonly():
            self.estimate(downloader, files)
        else:
            self.transfer(downloader, files)

    def without_bad(self, names: list[str]) -> list[str]:
        """``names`` less the server's bad files when --purge-rejected/-blacklisted ask so."""
        if not (self.options.purge_rejected or self.options.purge_blacklisted):
            return names
        bad = self.info.bad_files
        return [n for n in names if n not in bad]

    def cached_context(self) -> str | None:
        """The latest context the cached server_config names (before this sync)."""
        from ..cache.config import load_server_config

        try:
            config = ServerInfo.from_wire(load_server_config(self.observatory))
        except Exception:  # no or unreadable config: nothing cached yet
            return None
        return config.operational_context or config.latest_context

    def update_config(self, old_context: str | None) -> None:
        """Write server_config unless errors occurred; then --verify-context-change."""
        from ..cache.config import save_server_config

        options = self.options
        if options.output_dir:
            return
        if self.errors and not options.force_config_update:
            log.warning("Errors occurred during sync,  skipping CRDS cache config and context "
                        "update.")
        else:
            save_server_config(self.observatory, self.info)
        if options.verify_context_change:
            new_context = self.cached_context()
            if new_context == old_context:
                self.error("Expected latest context switch but starting and post-sync contexts "
                           "are both %r", new_context)

    def push_context(self) -> None:
        """Tell the server which context this pipeline's cache now holds (PROTOCOL.md §2.2)."""
        context = self.cached_context() or self.info.operational_context
        try:
            try:
                self.client.call("push_remote_context", self.observatory, "operational",
                                 self.options.push_context, context)
            except CrdsError:
                self.client.call("push_remote_context", self.observatory, "latest",
                                 self.options.push_context, context)
        except CrdsError as exc:
            self.error("Failed pushing cached latest context name to CRDS server : %s", exc)
        else:
            log.info("Pushed context %r to the server for the pipeline of the given key.",
                     context)

    def fetch_sqlite_db(self) -> None:
        from ..cache.catalog_db import catalog_db_path, save_catalog_db
        from ..cache.paths import readonly

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
        from ..cache.paths import branch_dir
        from ..cache.pickles import save_pickle
        from .contexts import load_context

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
        from ..rules.naming import is_mapping
        from .specifiers import is_literal, resolve

        options, client, info = self.options, self.client, self.info
        contexts: list[str] = []
        mappings: list[str] = []
        references: list[str] = []
        if options.contexts.names_contexts:
            contexts = select_contexts(options.contexts, info, client)
            for context in contexts:
                for name in client.call("get_mapping_names", context):
                    if name not in mappings:
                        mappings.append(name)
                if options.fetch_references or (options.purge_references
                                             and not self.has_datasets()):
                    for name in client.call("get_reference_names", context):
                        if name not in references:
                            references.append(name)
        self.keep_references = set(references)
        references = self.without_bad(references) if options.fetch_references else []
        for spec in options.files or []:
            name = os.path.basename(spec)
            if not is_literal(name) and not os.path.splitext(name)[1]:
                name = resolve(spec, info, client)
            (mappings if is_mapping(name) else references).append(name)
        return contexts, mappings, sorted(set(references))

    def transfer(self, downloader: Any, files: list[str]) -> None:
        """Fetch the missing files in parallel, shown by ``options.progress`` if given."""
        options = self.options
        missing = downloader.missing(files, options.ignore_cache)
        total = sum(downloader.size(n) for n in missing)
        log.info("Syncing %d files", len(missing))
        if not missing:
            return
        if options.progress is not None:
            with options.progress({name: downloader.size(name) for name in missing}) as bar:
                paths, errors = downloader.fetch(missing, ignore_cache=options.ignore_cache,
                                                 jobs=options.jobs, progress=bar)
        else:
            done = 0
            for i, name in enumerate(missing, 1):
                done += downloader.size(name)
                log.info("Fetching  %-55s  %d bytes  (%d / %d files) (%d / %d bytes)",
                         downloader.path(name), downloader.size(name), i, len(missing),
                         done, total)
            paths, errors = downloader.fetch(missing, ignore_cache=options.ignore_cache,
                                             jobs=options.jobs)
        self.report.bytes += sum(downloader.size(n) for n in paths)
        for name, exc in sorted(errors.items()):
            self.error("Failed syncing '%s': %s", name, exc)

    def estimate(self, downloader: Any, files: list[str]) -> None:
        missing = downloader.missing(files)
        size = sum(downloader.size(n) for n in missing)
        log.info("READONLY CACHE would download %d files totalling %d bytes.", len(missing),
                 size)

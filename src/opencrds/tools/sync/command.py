"""``opencrds sync``: download, verify, reorganise and purge the local cache, and refresh the
cached server config (TOOLS.md §2.2).

The command turns its options into a :class:`~opencrds.client.sync.SyncOptions`, runs
:func:`opencrds.client.sync.sync`, logs the closing lines and exits with the error count (255
when nothing is named to sync or the server cannot be reached).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...client.sync import SyncOptions, SyncRequestError, SyncServerUnavailable, sync
from ..common import FATAL, env_verbosity, log, log_summary, server_required
from ..context_switches import add_context_arguments, context_selection, observatory_of_args


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


def _optional(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def sync_options(args: argparse.Namespace) -> SyncOptions:
    """The library options of the parsed command line."""
    verbosity = getattr(args, "verbosity", None)
    progress = None
    if sys.stderr.isatty():
        from .progress import TransferBar

        progress = TransferBar
    return SyncOptions(
        observatory=observatory_of_args(args), contexts=context_selection(args),
        files=_optional(args.files), fetch_references=args.fetch_references,
        purge_mappings=args.purge_mappings, purge_references=args.purge_references,
        check_files=args.check_files, check_sha1sum=args.check_sha1sum,
        repair_files=args.repair_files, organize=args.organize,
        organize_delete_junk=args.organize_delete_junk,
        output_dir=Path(args.output_dir) if args.output_dir else None,
        ignore_cache=args.ignore_cache, readonly=bool(args.readonly_cache or args.dry_run),
        clear_locks=args.clear_locks, force_config_update=args.force_config_update,
        jobs=args.jobs, include_orphans=args.include_orphans,
        dataset_files=_optional(args.dataset_files), dataset_ids=_optional(args.dataset_ids),
        purge_rejected=args.purge_rejected, purge_blacklisted=args.purge_blacklisted,
        fetch_sqlite_db=args.fetch_sqlite_db, verify_context_change=args.verify_context_change,
        push_context=args.push_context, clear_pickles=args.clear_pickles,
        save_pickles=args.save_pickles,
        warn_bad_files=(env_verbosity() if verbosity is None else int(verbosity)) >= 60,
        progress=progress)


def run(args: argparse.Namespace) -> int:
    """Sync as the options say; the exit status is the number of errors."""
    options = sync_options(args)
    try:
        report = sync(options)
    except SyncRequestError as exc:
        log.error("%s", exc)
        return FATAL
    except SyncServerUnavailable as exc:
        return server_required(exc.url)
    if not report.synced:
        return 0
    if args.stats:
        log.info("STATS: %d bytes in %.2f s (%.0f bytes/s)", report.bytes, report.seconds,
                 report.bytes / report.seconds)
    log_summary()
    return report.errors

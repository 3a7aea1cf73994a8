"""``opencrds list``: configuration, default contexts, context resolution, file lists and
contents, constraints and dataset information (TOOLS.md §2.4).

The option groups live in ``files`` (closures, cache listings, ``--cat``),
``tpns`` (``--tpns``, ``--required-parkeys``) and ``datasets`` (dataset ids and
headers). Everything asked for is printed, in the order of the options below; the exit status
is the number of errors logged (255 when a server is required and unreachable).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ...client.selection import all_pmaps, select_contexts
from ...protocol import ServerInfo
from ...rules.errors import CrdsError
from ..common import FATAL, count, log, server_required
from ..context_switches import add_context_arguments, context_selection, observatory_of_args
from . import datasets, files, tpns

#: The calibration package whose version names the build context of each observatory.
CAL_PACKAGES = {"jwst": "jwst", "roman": "romancal", "hst": "caldp"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_context_arguments(parser, stats=False)  # the shared --stats times the run
    parser.add_argument("--status", action="store_true", help="short key = value status listing")
    parser.add_argument("--config", action="store_true", help="full configuration listing")
    parser.add_argument("--operational-context", "--latest-context", action="store_true",
                        help="print the latest context from the server or the cache")
    parser.add_argument("--build-context", action="store_true",
                        help="print the server's build context for the installed cal software")
    parser.add_argument("--remote-context", metavar="PIPELINE",
                        help="print the context PIPELINE reported in use (needs the server)")
    parser.add_argument("--resolve-contexts", action="store_true",
                        help="print the literal names of the context specifiers")
    files.add_arguments(parser)
    tpns.add_arguments(parser)
    datasets.add_dataset_arguments(parser)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args: argparse.Namespace) -> int:
    from ...client.rpc import RpcClient, server_url
    from ...client.serverinfo import fetch_server_info

    if datasets.run_dataset_listing(args) == FATAL:
        return FATAL
    observatory = observatory_of_args(args)
    with RpcClient(server_url(observatory)) as client:
        info = fetch_server_info(observatory, client, save=True)
        needs_server = args.build_context or args.remote_context or (
            args.include_orphans and args.references)
        if needs_server and not info.connected:
            return server_required(client.url)
        if args.status:
            _status(info, observatory, client)
        if args.config:
            _config(info, client.url, observatory)
        if args.operational_context:
            _out(info.default_context)
        if args.build_context:
            _out(build_context(observatory, client))
        if args.remote_context:
            _out(str(_remote_context(observatory, args.remote_context, client)))
        _contexts_and_files(args, info, client, observatory)
    return count("ERROR")


def _contexts_and_files(args: argparse.Namespace, info: ServerInfo, client: Any,
                        observatory: str) -> None:
    showing = args.cat is not None or bool(args.tpns)  # a bare --tpns leaves lists alone
    needs_contexts = (args.resolve_contexts or args.mappings or args.references
                      or args.required_parkeys)
    contexts = select_contexts(context_selection(args), info, client) if needs_contexts else []
    if args.all and contexts:
        contexts = all_pmaps(info)  # --all: the contexts are the .pmaps
    if args.resolve_contexts:
        for name in contexts:
            _out(name)
    if args.required_parkeys:
        tpns.print_required_parkeys(contexts)
    implied: list[str] = []
    if showing:
        implied = files.implied_files(args, contexts, observatory, info, client)
    elif args.references or args.mappings:
        files.print_closure(args, contexts, observatory, info, client)
    if args.cached_mappings or args.cached_references or args.cached_pickles:
        files.print_cached(args, observatory)
    if args.cat is not None:
        files.cat_files([*args.cat, *implied], args, observatory, info, client)
    if args.tpns:
        tpns.print_tpns([*args.tpns, *implied], observatory)
    if args.file_properties is not None:
        files.print_properties(args.file_properties, observatory,
                                    lambda: effective_context(observatory, info, client))


def build_context(observatory: str, client: Any) -> str:
    """The server's context for the installed calibration package version; without the
    package (or when the server cannot tell), the latest context, with a warning."""
    from importlib import metadata

    try:
        version = metadata.version(CAL_PACKAGES.get(observatory, observatory))
    except metadata.PackageNotFoundError:
        log.warning("Calibration SW not found, defaulting to latest.")
    else:
        try:
            return str(client.call("get_build_context", observatory, version))
        except CrdsError as exc:
            log.warning("Server build context could not be identified : %s", exc)
    return str(client.call("get_default_context", observatory, "latest"))


def _remote_context(observatory: str, pipeline: str, client: Any) -> str | None:
    try:
        return str(client.call("get_remote_context", observatory, pipeline))
    except CrdsError:
        log.error("Failed resolving remote context : Server error resolving context in use "
                  "by pipeline %r", (observatory, pipeline))
        return None


def effective_context(observatory: str, info: ServerInfo, client: Any) -> str:
    """The context a pipeline would use: ``$CRDS_CONTEXT``; for JWST the build context of the
    installed calibration software (without it, or offline, the latest, with crds's warning
    when it is missing); else the latest context of the server info."""
    from importlib import metadata

    from ...client.specifiers import resolve

    if env := os.environ.get("CRDS_CONTEXT"):
        return resolve(env, info, client)
    if observatory == "jwst":
        try:
            metadata.version(CAL_PACKAGES[observatory])
        except metadata.PackageNotFoundError:
            log.warning("Calibration SW not found, defaulting to latest.")
        else:
            if info.connected:
                return build_context(observatory, client)
    return str(info.latest_context or info.operational_context)


def _status(info: ServerInfo, observatory: str, client: Any) -> None:
    """The ``--status`` rows of crds: the variables as set (``'undefined'`` when not)."""
    from ... import __version__
    from ...cache.paths import readonly
    from ...client.modes import effective_mode

    effective_mode(info)  # an invalid CRDS_MODE, or remote while offline, is an error
    rows = {
        "OpenCRDS Version": __version__,
        "CRDS_MODE": os.environ.get("CRDS_MODE") or "auto",
        "CRDS_PATH": os.environ.get("CRDS_PATH", "/grp/crds/cache"),
        "CRDS_SERVER_URL": os.environ.get("CRDS_SERVER_URL") or "undefined",
        "Cache Locking": "disabled" if readonly() else "enabled",
        "Effective Context": effective_context(observatory, info, client),
        "Last Synced": info.last_synced,
        "Python Executable": sys.executable,
        "Python Version": ".".join(str(v) for v in sys.version_info),
        "Readonly Cache": readonly(),
    }
    for key, value in rows.items():
        _out(f"{key} = {value!r}")


def _config(info: ServerInfo, url: str, observatory: str) -> None:
    from ...cache.paths import branch_dir, readonly, subdir_mode
    from ...client.download import file_url

    sections: dict[str, dict[str, Any]] = {
        "CRDS Environment": {k: v for k, v in sorted(os.environ.items())
                             if k.startswith("CRDS")},
        "CRDS Client Config": {"readonly_cache": readonly(), "server_url": url,
                               "ref_cache_subdir_mode": subdir_mode(observatory)},
        "CRDS Actual Paths": {b: str(branch_dir(b, observatory))
                              for b in ("mappings", "references", "config", "pickles")},
        "CRDS Server Info": {k: v for k, v in sorted(info.to_wire().items())
                             if k not in ("download_metadata", "mappings", "context_history",
                                          "bad_files_list")},
    }
    try:
        sections["Actual Download URIs"] = {
            "mapping": file_url(f"{observatory}.pmap", observatory, info).rsplit("/", 1)[0],
            "reference": file_url("x.fits", observatory, info).rsplit("/", 1)[0]}
    except CrdsError as exc:  # offline cache without URLs (CrdsDownloadError)
        sections["Actual Download URIs"] = {"error": str(exc)}
    for title, values in sections.items():
        _out(f"{title}:")
        for key, value in values.items():
            _out(f"\t{key} = {value!r}")

"""``opencrds list``: configuration, default contexts, context resolution, file lists and
contents (TOOLS.md §2.4)."""

from __future__ import annotations

import argparse
import os
import pprint
import sys
from typing import Any

from ..client import selection


def add_arguments(parser: argparse.ArgumentParser) -> None:
    selection.add_arguments(parser)
    parser.add_argument("--status", action="store_true", help="short key = value status listing")
    parser.add_argument("--config", action="store_true", help="full configuration listing")
    parser.add_argument("--operational-context", "--latest-context", action="store_true",
                        help="print the latest context from the server or the cache")
    parser.add_argument("--resolve-contexts", action="store_true",
                        help="print the literal names of the context specifiers")
    parser.add_argument("--mappings", action="store_true",
                        help="list every mapping in the closure of the contexts")
    parser.add_argument("--references", action="store_true",
                        help="list every reference named by the contexts")
    parser.add_argument("--full-path", action="store_true", help="print cache paths, not names")
    parser.add_argument("--cached-mappings", action="store_true", help="list cached mappings")
    parser.add_argument("--cached-references", action="store_true",
                        help="list cached references")
    parser.add_argument("--cat", nargs="*", metavar="FILE",
                        help="print mapping text or reference header of FILES")
    parser.add_argument("--file-properties", nargs="*", metavar="FILE",
                        help="print '<instrument> <filekind> <name>' of FILES")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run(args: argparse.Namespace) -> int:
    from ..client.rpc import RpcClient, server_url
    from ..client.serverinfo import fetch_server_info

    if args.readonly_cache:
        os.environ["CRDS_READONLY_CACHE"] = "1"
    observatory = selection.observatory_of_args(args)
    with RpcClient(server_url(observatory)) as client:
        info = fetch_server_info(observatory, client, save=True)
        if args.status:
            _status(info, client.url)
        if args.config:
            _config(info, client.url, observatory)
        if args.operational_context:
            _out(info.get("latest_context") or info["operational_context"])
        needs_contexts = args.resolve_contexts or args.mappings or args.references
        contexts = selection.select_contexts(args, info, client) if needs_contexts else []
        if args.resolve_contexts:
            for name in contexts:
                _out(name)
        if args.references or args.mappings:
            _closure(args, contexts, observatory)
        if args.cached_mappings or args.cached_references:
            _cached(args, observatory)
        if args.cat is not None:
            _cat(args.cat, observatory)
        if args.file_properties is not None:
            _properties(args.file_properties, observatory)
    return 0


def _status(info: dict[str, Any], url: str) -> None:
    from .. import __version__
    from ..cache.paths import readonly
    from ..client.modes import effective_mode

    rows = {
        "OpenCRDS Version": __version__,
        "CRDS_MODE": effective_mode(info),
        "CRDS_PATH": os.environ.get("CRDS_PATH", "/grp/crds/cache"),
        "CRDS_SERVER_URL": url,
        "Cache Locking": "disabled" if readonly() else "enabled",
        "Effective Context": info.get("latest_context") or info.get("operational_context"),
        "Last Synced": info.get("last_synced"),
        "Python Executable": sys.executable,
        "Python Version": ".".join(str(v) for v in sys.version_info[:3]),
        "Readonly Cache": readonly(),
    }
    for key, value in rows.items():
        _out(f"{key} = {value!r}")


def _config(info: dict[str, Any], url: str, observatory: str) -> None:
    from ..cache.paths import branch_dir, readonly, subdir_mode
    from ..client.download import file_url

    sections: dict[str, dict[str, Any]] = {
        "CRDS Environment": {k: v for k, v in sorted(os.environ.items())
                             if k.startswith("CRDS")},
        "CRDS Client Config": {"readonly_cache": readonly(), "server_url": url,
                               "ref_cache_subdir_mode": subdir_mode(observatory)},
        "CRDS Actual Paths": {b: str(branch_dir(b, observatory))
                              for b in ("mappings", "references", "config", "pickles")},
        "CRDS Server Info": {k: v for k, v in sorted(info.items())
                             if k not in ("download_metadata", "mappings", "context_history",
                                          "bad_files_list")},
    }
    try:
        sections["Actual Download URIs"] = {
            "mapping": file_url(f"{observatory}.pmap", observatory, info).rsplit("/", 1)[0],
            "reference": file_url("x.fits", observatory, info).rsplit("/", 1)[0]}
    except Exception as exc:  # offline cache without URLs
        sections["Actual Download URIs"] = {"error": str(exc)}
    for title, values in sections.items():
        _out(f"{title}:")
        for key, value in values.items():
            _out(f"\t{key} = {value!r}")


def _closure(args: argparse.Namespace, contexts: list[str], observatory: str) -> None:
    from ..cache.paths import file_path
    from ..client.contexts import load_context

    mappings: set[str] = set()
    references: set[str] = set()
    for name in contexts:
        mapping = load_context(name)
        mappings.update(mapping.mapping_names())
        references.update(mapping.reference_names())
    show = (lambda n: str(file_path(n, observatory))) if args.full_path else (lambda n: n)
    if args.references:
        for name in sorted(references):
            _out(show(name))
    if args.mappings:
        for name in sorted(mappings):
            _out(show(name))


def _cached(args: argparse.Namespace, observatory: str) -> None:
    from ..cache.organize import cached_references
    from ..cache.paths import branch_dir

    paths = []
    if args.cached_mappings:
        folder = branch_dir("mappings", observatory)
        paths += sorted(folder.glob("*.[pir]map")) if folder.is_dir() else []
    if args.cached_references:
        paths += cached_references(observatory)
    for path in paths:
        _out(str(path) if args.full_path else path.name)


def _locate(name: str, observatory: str) -> str:
    from ..cache.paths import file_path

    bare = name.removeprefix("crds://")
    if os.path.exists(bare) and not name.startswith("crds://"):
        return bare
    return str(file_path(os.path.basename(bare), observatory))


def _cat(files: list[str], observatory: str) -> None:
    from ..rules.naming import is_mapping

    for name in files:
        path = _locate(name, observatory)
        _out("#" * 80)
        _out(f"File: {path}")
        _out("-" * 80)
        if is_mapping(path):
            with open(path, encoding="utf-8") as stream:
                sys.stdout.write(stream.read())
        else:
            from ..io import read_header

            _out(pprint.pformat(dict(read_header(path))))


def _properties(files: list[str], observatory: str) -> None:
    from ..cache.paths import instrument_of_reference
    from ..rules.naming import is_mapping, split_mapping_name

    for name in files:
        base = os.path.basename(name.removeprefix("crds://"))
        if is_mapping(base):
            parts = split_mapping_name(base)
            instrument = getattr(parts, "instrument", None) or ""
            filekind = getattr(parts, "filekind", None) or ""
        else:
            instrument, filekind = instrument_of_reference(base), ""
            if "_" in base:
                filekind = base.rsplit(".", 1)[0].rsplit("_", 1)[-1]
        _out(f"{instrument} {filekind} {base}")

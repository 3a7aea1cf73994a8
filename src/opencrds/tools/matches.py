"""``opencrds matches``: the match criteria by which contexts select references, or the matching
parameters of archived datasets (TOOLS.md §2.11).

Reference mode prints one line per match path, `` REF : INSTR TYPE K='v' ...`` (with several
contexts each line starts with the context name). Dataset mode (``--datasets``/``--instrument``)
asks the server for dataset headers and prints ``ID : K='v' ...`` (``ID : context : K='v' ...``
with several contexts). Exit: error count.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import Any

from ..client.selection import ServerRequired, select_contexts
from ..client.wordlists import expand_words
from ..protocol import ServerInfo
from ..rules.errors import CrdsError
from ..rules.matches import MatchPath
from .common import ToolError, count, log, server_required
from .context_switches import add_context_arguments, context_selection, observatory_of_args

NO_DATASET_SERVER = "dataset ids need a server with dataset headers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds matches``."""
    add_context_arguments(parser)
    parser.add_argument("--include-orphans", action="store_true",
                        help="accepted for compatibility: orphan references match no rule")
    parser.add_argument("--files", nargs="+", metavar="REF", default=[],
                        help="references to explain (bare names, @file lists)")
    parser.add_argument("--files-from-contexts", action="store_true",
                        help="explain every reference named by the contexts")
    parser.add_argument("--filters", nargs="+", metavar="KEY=VALUE", default=[],
                        help="keep match cases whose KEY (when the type has it) allows VALUE")
    parser.add_argument("-b", "--brief-paths", action="store_true",
                        help="omit the instrument and type words")
    parser.add_argument("-o", "--omit-parameter-names", action="store_true",
                        help="show parameter values only, quoted")
    parser.add_argument("-t", "--tuple-format", action="store_true",
                        help="print each match case as a Python tuple")
    parser.add_argument("-d", "--datasets", nargs="+", metavar="ID", default=[],
                        help="dataset ids whose matching parameters to dump (needs a server)")
    parser.add_argument("-i", "--instrument", metavar="INSTR",
                        help="dump the matching parameters of every dataset of INSTR (server)")
    parser.add_argument("-c", "--condition-values", action="store_true",
                        help="condition dataset values as for a best-references lookup")
    parser.add_argument("-m", "--minimize-headers", action="store_true",
                        help="limit dataset parameters to the context's matching parameters")
    parser.set_defaults(_matches_parser=parser)


# ---- formatting ------------------------------------------------------------------------------


def format_path(path: MatchPath, *, brief: bool = False, omit_names: bool = False,
                tuple_format: bool = False) -> str:
    """One match path as ``crds matches`` prints it after ``REF : ``."""
    header = [(name.upper(), value.upper()) for name, value in path[0]] if path else []
    params = [(name, value) for level in path[1:] for name, value in level]
    if tuple_format:
        items: list[Any] = [] if brief else list(header)
        items += [value for _, value in params] if omit_names else params
        return repr(tuple(items))
    words = "" if brief else " ".join(value for _, value in header[1:])
    shown = [repr(value) if omit_names else f"{name}={value!r}" for name, value in params]
    return words + " " + " ".join(shown)


def expand_files(words: Iterable[str]) -> list[str]:
    """``--files`` words as bare reference names: ``@file`` lists expanded, ``crds://``
    and directories dropped."""
    return [os.path.basename(word.removeprefix("crds://"))
            for word in expand_words(words, "file list")]


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


# ---- running ---------------------------------------------------------------------------------


def _contexts(args: argparse.Namespace, observatory: str,
              need_server: bool) -> tuple[list[str], ServerInfo, Any]:
    """(literal contexts, server info, open client or None). Literal ``--contexts`` need
    neither the server nor its cached configuration."""
    from ..client.specifiers import is_literal

    literal = args.contexts and all(is_literal(c) for c in args.contexts)
    if literal and not need_server and not context_selection(args).wants_server_list:
        return sorted(c.removeprefix("crds://") for c in args.contexts), ServerInfo(), None
    from ..client.rpc import RpcClient, server_url
    from ..client.serverinfo import fetch_server_info

    client = RpcClient(server_url(observatory))
    try:
        info = fetch_server_info(observatory, client)
        chosen = context_selection(args)
        contexts = select_contexts(chosen, info, client)
        if not args.contexts and not chosen.wants_server_list and len(contexts) == 1:
            from ..client.specifiers import default_context_spec

            log.info("Symbolic context %r resolves to %r", default_context_spec(observatory),
                     contexts[0])
        return contexts, info, client
    except BaseException:
        client.close()
        raise


def run(args: argparse.Namespace) -> int:
    """Dump reference match cases or dataset matching parameters; exit with the error count."""
    datasets_mode = bool(args.datasets or args.instrument)
    if not (args.files or args.files_from_contexts or datasets_mode):
        args._matches_parser.print_help(sys.stdout)
        log.error("Specify --files to dump reference match cases or --datasets to dump "
                  "dataset matching parameters.")
        return 1
    observatory = observatory_of_args(args)
    try:
        contexts, info, client = _contexts(args, observatory, datasets_mode)
    except ServerRequired:
        from ..client.rpc import server_url

        return server_required(server_url(observatory))
    try:
        if datasets_mode:
            _dump_datasets(args, contexts, info, client)
        else:
            _dump_references(args, contexts)
    finally:
        if client is not None:
            client.close()
    return count("ERROR")


def _dump_references(args: argparse.Namespace, contexts: list[str]) -> None:
    from ..client.contexts import load_context
    from ..rules.matches import all_match_paths, filter_paths, find_match_paths, parse_filters

    filters = parse_filters(args.filters)
    files = expand_files(args.files)
    found: set[str] = set()
    loaded: list[str] = []
    several = len(contexts) > 1
    style = {"brief": args.brief_paths, "omit_names": args.omit_parameter_names,
             "tuple_format": args.tuple_format}
    for context_name in contexts:
        try:
            context = load_context(context_name)
            every = all_match_paths(context) if args.files_from_contexts else {}
        except CrdsError as exc:
            log.error("Cannot load context '%s': %s", context_name, exc)
            continue
        loaded.append(context_name)
        prefix = context_name if several else ""
        wanted = [(ref, find_match_paths(context, ref)) for ref in files]
        wanted += list(every.items())
        for ref, paths in wanted:
            if paths:
                found.add(ref)
            for path in filter_paths(paths, filters):
                _out(f"{prefix} {ref} : {format_path(path, **style)}")
    if loaded:
        for ref in dict.fromkeys(files):
            if ref not in found:
                log.error("Reference '%s' is not named by any rule of %s.", ref,
                          ", ".join(loaded))


def _dump_datasets(args: argparse.Namespace, contexts: list[str], info: ServerInfo,
                   client: Any) -> None:
    try:
        from ..client import datasets
    except ImportError:
        raise ToolError(NO_DATASET_SERVER) from None
    from ..client.contexts import load_context
    from ..rules.matches import dataset_parameters

    if not info.connected:
        raise ToolError(f"{NO_DATASET_SERVER}: no connection to "
                        f"{getattr(client, 'url', 'the CRDS server')}")
    ids = datasets.read_ids(args.datasets)
    several = len(contexts) > 1
    by_context: dict[str, tuple[Any, dict[str, dict[str, Any]]]] = {}
    for context_name in contexts:
        try:
            context = load_context(context_name)
            wanted = list(ids)
            if args.instrument:
                wanted += datasets.dataset_ids(context_name, args.instrument, client=client)
            headers, errors = datasets.fetch_dataset_headers(
                wanted, context_name, client=client, per_rpc=datasets.ids_per_rpc(info))
        except CrdsError as exc:
            log.error("Dataset headers under '%s' failed: %s", context_name, exc)
            continue
        for dataset_id, message in sorted(errors.items()):
            log.error("Dataset '%s' under '%s': %s", dataset_id, context_name, message)
        by_context[context_name] = (context, headers)
    every_id = sorted({i for _, headers in by_context.values() for i in headers})
    for dataset_id in every_id:  # dataset by dataset, then context by context, as crds
        for context_name, (context, headers) in by_context.items():
            if dataset_id not in headers:
                continue
            params = dataset_parameters(context, headers[dataset_id],
                                        minimize=args.minimize_headers,
                                        condition=args.condition_values)
            shown = " ".join(f"{key}={str(value)!r}" for key, value in params.items())
            _out(f"{dataset_id} : {context_name} : {shown}" if several
                 else f"{dataset_id} : {shown}")

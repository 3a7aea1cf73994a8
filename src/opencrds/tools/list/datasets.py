"""The dataset options of ``opencrds list`` (TOOLS.md §2.4): dataset ids per instrument and
dataset headers from the server, as ``crds list`` prints them.

``list`` adds these with :func:`add_dataset_arguments` and calls
:func:`run_dataset_listing` first; it returns None when no dataset option was given.
"""

from __future__ import annotations

import argparse
import json
import pprint
import sys
from typing import Any

from ...client import datasets
from ...client.selection import select_contexts
from ...protocol import ServerInfo
from ...rules.errors import CrdsError
from ..common import FATAL, connected_server_info, log
from ..context_switches import context_selection, observatory_of_args

#: Matching parameters that select among rmaps rather than describe a dataset (HST imaps).
NOT_DATASET_KEYS = frozenset({"REFTYPE"})


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """``--dataset-ids-for-instruments``, ``--dataset-headers`` and their modifiers."""
    group = parser.add_argument_group("datasets (need the server)")
    group.add_argument("--dataset-ids-for-instruments", "--dataset-ids", nargs="+",
                       metavar="INSTRUMENT", dest="dataset_ids_for_instruments",
                       help="print the dataset ids the server knows for these instruments")
    group.add_argument("--dataset-headers", nargs="+", metavar="ID",
                       help="print the matching parameters of these dataset ids (@file: ids "
                            "one per line)")
    group.add_argument("--id-expansions-only", action="store_true",
                       help="with --dataset-headers, print only the <product>:<exposure> ids")
    group.add_argument("--first-id-expansion-only", action="store_true",
                       help="with --dataset-headers, only the first exposure of each product")
    group.add_argument("--minimize-headers", action="store_true",
                       help="with --dataset-headers, only the parameters the context needs")
    group.add_argument("--json", action="store_true",
                       help="with --dataset-headers, one JSON object {id: header} per line")


def wants_datasets(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "dataset_ids_for_instruments", None)
                or getattr(args, "dataset_headers", None))


def run_dataset_listing(args: argparse.Namespace) -> int | None:
    """Print what the dataset options ask for; the error count (255 without a server), or
    None when no dataset option was given."""
    if not wants_datasets(args):
        return None
    from ...client.rpc import RpcClient, server_url

    observatory = observatory_of_args(args)
    with RpcClient(server_url(observatory)) as client:
        info = connected_server_info(observatory, client)
        if info is None:
            return FATAL
        try:
            contexts = select_contexts(context_selection(args), info, client)
        except CrdsError as exc:
            log.error("%s", exc)
            return 1
        errors = 0
        if args.dataset_ids_for_instruments:
            errors += _print_ids(args.dataset_ids_for_instruments, contexts[0], client)
        if args.dataset_headers:
            for context in contexts:
                errors += _print_headers(args, context, client, info)
        return errors


def _print_ids(instruments: list[str], context: str, client: Any) -> int:
    errors = 0
    for instrument in instruments:
        try:
            ids = datasets.dataset_ids(context, instrument, client=client)
        except CrdsError as exc:
            log.error("Failed fetching dataset ids for %r under %r : %s", instrument, context,
                      exc)
            errors += 1
            continue
        for dataset_id in ids:
            print(dataset_id)
    return errors


def first_expansions(ids: list[str]) -> list[str]:
    """The first ``PRODUCT:EXPOSURE`` id of each product (ids sorted)."""
    seen: dict[str, str] = {}
    for dataset_id in sorted(ids):
        seen.setdefault(dataset_id.split(":", 1)[0], dataset_id)
    return sorted(seen.values())


def minimized(header: dict[str, Any], parkeys: dict[str, list[str]] | list[str]
              ) -> dict[str, Any]:
    """Only the context's matching parameters (``get_required_parkeys``) of the header's
    instrument, missing ones as ``UNDEFINED``."""
    if isinstance(parkeys, dict):
        instrument = next((str(header[k]).lower() for k in ("INSTRUME", "META.INSTRUMENT.NAME")
                           if k in header), "")
        keys = parkeys.get(instrument, [])
    else:
        keys = parkeys
    return {key: header.get(key, "UNDEFINED") for key in keys if key not in NOT_DATASET_KEYS}


def required_parkeys(context: str, client: Any) -> dict[str, list[str]] | list[str]:
    """The matching parameters of ``context``: from the cached rules, else the server."""
    from ...client.contexts import load_context

    try:
        return load_context(context).get_required_parkeys()
    except CrdsError:
        return client.call("get_required_parkeys", context)


def _print_headers(args: argparse.Namespace, context: str, client: Any,
                   info: ServerInfo) -> int:
    try:
        ids = datasets.read_ids(args.dataset_headers)
        headers, failures = datasets.fetch_dataset_headers(
            ids, context, client=client, per_rpc=datasets.ids_per_rpc(info))
    except CrdsError as exc:
        log.error("Failed fetching dataset parameters with respect to %r for %s : %s",
                  context, args.dataset_headers, exc)
        return 1
    errors = len(failures)
    chosen = sorted(headers)
    if args.first_id_expansion_only:
        chosen = first_expansions(chosen)
    if args.id_expansions_only:
        for dataset_id in chosen:
            print(dataset_id)
        _report(failures)
        return errors
    parkeys = None
    if args.minimize_headers:
        try:
            parkeys = required_parkeys(context, client)
        except CrdsError as exc:
            log.error("Failed getting the parameters of %r to minimize headers : %s",
                      context, exc)
            return errors + 1
    for dataset_id in chosen:
        header = headers[dataset_id]
        if parkeys is not None:
            header = minimized(header, parkeys)
        if args.json:
            print(json.dumps({dataset_id: header}))
        else:
            shown = dict(header, CRDS_CTX=context, dataset_id=dataset_id)
            print(f"Dataset pars for {dataset_id!r} with respect to {context!r}:\n "
                  f"{pprint.pformat(shown)}")
    _report(failures)
    return errors


def _report(failures: dict[str, str]) -> None:
    sys.stdout.flush()
    for dataset_id, message in sorted(failures.items()):
        log.error("No header for %r : %r", dataset_id, message)

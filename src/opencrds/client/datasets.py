"""Dataset ids and headers from a CRDS server (``get_dataset_ids``,
``get_dataset_headers_by_id``; PROTOCOL.md §2.2), and reading id lists from ``@files``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..cache.paths import observatory_of
from ..protocol import ServerInfo
from ..rules.errors import CrdsError
from .rpc import RpcClient, server_url
from .wordlists import expand_words

#: Ids sent per ``get_dataset_headers_by_id`` call when server info does not say.
DEFAULT_IDS_PER_RPC = 500


class DatasetError(CrdsError):
    """Dataset ids or headers could not be obtained."""


def read_ids(words: Iterable[str]) -> list[str]:
    """Dataset ids from the command line: ``@file`` names a file of ids (``#`` comment lines
    skipped); other words are ids. Order kept, no repeats."""
    ids = expand_words((w.strip() for w in words if w.strip()), "dataset id file")
    return list(dict.fromkeys(ids))


def _client(context: str, client: RpcClient | None) -> tuple[RpcClient, bool]:
    if client is not None:
        return client, False
    return RpcClient(server_url(observatory_of(context))), True


def fetch_dataset_headers(ids: Iterable[str], context: str, *, client: RpcClient | None = None,
                          per_rpc: int | None = None, datasets_since: str | None = None
                          ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(headers by two-part id, error messages by id) for ``ids`` under ``context``,
    asking for at most ``per_rpc`` ids per call."""
    wanted = [str(i) for i in ids]
    size = max(1, per_rpc or DEFAULT_IDS_PER_RPC)
    rpc, owned = _client(context, client)
    headers: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    try:
        for start in range(0, len(wanted), size):
            answer = rpc.call("get_dataset_headers_by_id", context, wanted[start:start + size],
                              datasets_since)
            if not isinstance(answer, dict):
                raise DatasetError(f"get_dataset_headers_by_id answered {type(answer).__name__}"
                                   ", not an object")
            for dataset_id, value in answer.items():
                if isinstance(value, dict):
                    headers[str(dataset_id)] = {str(k): v for k, v in value.items()}
                else:
                    errors[str(dataset_id)] = str(value)
    finally:
        if owned:
            rpc.close()
    return headers, errors


def dataset_headers_by_id(ids: Iterable[str], context: str, *,
                          client: RpcClient | None = None) -> dict[str, dict[str, Any]]:
    """``{PRODUCT:EXPOSURE: {keyword: value}}`` for the ids the server knows (unknown ids
    are left out; :func:`fetch_dataset_headers` also returns their messages)."""
    return fetch_dataset_headers(ids, context, client=client)[0]


def dataset_ids(context: str, instrument: str, *, client: RpcClient | None = None,
                datasets_since: str | None = None) -> list[str]:
    """Every ``PRODUCT:EXPOSURE`` id the server holds for ``instrument``."""
    rpc, owned = _client(context, client)
    try:
        answer = rpc.call("get_dataset_ids", context, instrument.lower(), datasets_since)
    finally:
        if owned:
            rpc.close()
    if not isinstance(answer, list):
        raise DatasetError(f"get_dataset_ids answered {type(answer).__name__}, not a list")
    return [str(i) for i in answer]


def ids_per_rpc(info: ServerInfo) -> int:
    """The page size for header requests: server info's ``max_headers_per_rpc``."""
    try:
        return max(1, int(info.max_headers_per_rpc or DEFAULT_IDS_PER_RPC))
    except (TypeError, ValueError):
        return DEFAULT_IDS_PER_RPC


def header_files(paths: Iterable[str]) -> list[str]:
    """Dataset file arguments with ``@file`` lists expanded (whitespace separated words,
    ``#`` comment lines skipped, recursive)."""
    result: list[str] = []
    for word in paths:
        if word.startswith("@"):
            try:
                with open(word[1:], encoding="utf-8") as stream:
                    lines = [ln for ln in stream.read().splitlines()
                             if not ln.strip().startswith("#")]
            except OSError as exc:
                raise DatasetError(f"cannot read file list '{word[1:]}': "
                                   f"{exc.strerror}") from None
            result.extend(header_files(" ".join(lines).split()))
        else:
            result.append(os.path.expanduser(word))
    return result


_NOT_NAMES = ("N/A", "UNDEFINED", "OMIT", "")


def _names_in(value: Any) -> list[str]:
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in _NOT_NAMES or text.upper().startswith("NOT FOUND"):
            return []
        return [text]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _names_in(item)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _names_in(item)]
    return []


def needed_references(context: Any, header: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """(reference names, lookup failures by type) that ``context`` (a loaded .pmap) assigns
    to a dataset ``header``; ``NOT FOUND n/a`` (not applicable) is neither."""
    from ..rules.conditioning import get_best_references

    result = get_best_references(context, header)
    names: list[str] = []
    failures: dict[str, str] = {}
    for filekind, value in sorted(result.items()):
        if isinstance(value, str) and value.upper().startswith("NOT FOUND"):
            if value.strip().upper() != "NOT FOUND N/A":
                failures[filekind] = value
            continue
        names.extend(n for n in _names_in(value) if n not in names)
    return names, failures

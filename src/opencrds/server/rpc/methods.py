"""The JSON-RPC methods (PROTOCOL.md §2.2; SERVER.md §1.30).

Parameters are checked against these annotations before a method runs; ``None`` is accepted
where an argument is optional, and :data:`Name`, :data:`Word` and :data:`Pattern` bound the
length of names, short words and globs. Results use plain JSON types; file-info values are
strings.
"""

from __future__ import annotations

from typing import Annotated, Any

import opencrds
from opencrds.rules.errors import CrdsError
from opencrds.rules.mappings import PipelineContext

from ..catalog import contexts, datasets, queries, services
from ..catalog.errors import AmbiguousSelection, UnknownContext, UnknownFile
from . import sqlite_export
from .errors import rules_error_name
from .jsonrpc import Call, InvalidParams, RpcError, rpc_method
from .params import GlobPattern, MaxLength
from .serverinfo import MAX_PER_RPC, server_info

#: A file or mapping name, or a context specification (``hst-acs-darkfile-2020-01-01T00:00:00``).
Name = Annotated[str, MaxLength(255)]
#: An observatory, state, instrument, type, field name, CAL version or date.
Word = Annotated[str, MaxLength(64)]
#: A file-name glob (list_mappings, list_references).
Pattern = Annotated[str, GlobPattern()]
#: A pipeline key (push_remote_context).
Key = Annotated[str, MaxLength(1024)]


def _rules_error(exc: CrdsError) -> RpcError:
    """An error of the rules engine as the client sees it (named as crds names it)."""
    return RpcError(str(exc), name=rules_error_name(exc))


@rpc_method
def get_server_info(call: Call) -> dict[str, Any]:
    return server_info(call.request)


@rpc_method
def get_default_context(observatory: Word | None = None, state: Word | None = None) -> str:
    return contexts.default_context(contexts.check_observatory(observatory), state)


@rpc_method
def get_build_context(observatory: Word | None, calver: Word) -> str:
    return contexts.build_context(contexts.check_observatory(observatory), calver)


@rpc_method
def get_context_by_date(date: Name, observatory: Word | None = None) -> str:
    return contexts.resolve(date, observatory)


@rpc_method
def get_context_history(observatory: Word | None = None) -> list[list[str]]:
    return queries.context_history(contexts.check_observatory(observatory))


@rpc_method
def get_mapping_names(context: Name) -> list[str]:
    return contexts.load(contexts.resolve(context)).mapping_names()


@rpc_method
def get_reference_names(context: Name) -> list[str]:
    mapping = contexts.load(contexts.resolve(context))
    try:
        return mapping.reference_names()
    except CrdsError as exc:
        raise _rules_error(exc) from None


@rpc_method
def get_required_parkeys(context: Name) -> dict[str, list[str]] | list[str]:
    mapping = contexts.load(contexts.resolve(context))
    return mapping.get_required_parkeys()


def _is_plain(value: Any) -> bool:
    """Strings, or tuples/lists/dicts of them: what a bestrefs result may hold on the wire."""
    if isinstance(value, str):
        return True
    if isinstance(value, (tuple, list)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _best_references(pmap: PipelineContext, header: dict[str, Any],
                     reftypes: list[str] | None) -> dict[str, Any]:
    try:
        result = opencrds.get_best_references(pmap, header, reftypes or None)
    except CrdsError as exc:
        raise _rules_error(exc) from None
    for filekind, value in result.items():
        # CRDS's mixed-tie defect (RULES.md §3.2.7) can leak selector objects into a result;
        # serverless crds then fails on it, so the server reports an error too.
        if not _is_plain(value):
            raise AmbiguousSelection(f"ambiguous rules for type '{filekind}' in "
                                     f"{pmap.basename}: equal-weight matches select {value!r}")
    return result


@rpc_method
def get_best_references(context: Name, header: dict[str, Any],
                        reftypes: list[Word] | None = None) -> dict[str, Any]:
    return _best_references(contexts.load_pipeline(context), header, reftypes)


@rpc_method
def get_best_references_by_header_map(context: Name, headers: dict[str, dict[str, Any]],
                                      reftypes: list[Word] | None = None) -> dict[str, Any]:
    if len(headers) > MAX_PER_RPC:
        raise InvalidParams(f"at most {MAX_PER_RPC} headers per call, got {len(headers)}")
    pmap = contexts.load_pipeline(context)
    results: dict[str, Any] = {}
    for dataset_id, header in headers.items():
        try:
            results[dataset_id] = _best_references(pmap, header, reftypes)
        except (RpcError, AmbiguousSelection) as exc:
            results[dataset_id] = f"NOT FOUND {exc.args[0]}"
    return results


@rpc_method
def get_file_info(context: Name | None, filename: Name) -> dict[str, str]:
    observatory = queries.server_observatory()
    record = queries.file_record(observatory, filename)
    if record is None:
        raise UnknownFile(f"File '{filename}' is not known to CRDS.")
    return queries.file_info(record)


@rpc_method
def get_file_info_map(observatory: Word | None, files: list[Name] | None = None,
                      fields: list[Word] | None = None) -> dict[str, Any]:
    return queries.file_info_map(contexts.check_observatory(observatory), files, fields)


@rpc_method
def list_mappings(observatory: Word | None = None, glob_pattern: Pattern | None = "*") -> list[str]:
    return queries.list_names(contexts.check_observatory(observatory), "mapping", glob_pattern)


@rpc_method
def list_references(observatory: Word | None = None, glob_pattern: Pattern | None = "*") -> list[str]:
    return queries.list_names(contexts.check_observatory(observatory), "reference", glob_pattern)


@rpc_method
def get_sqlite_db(observatory: Word | None = None) -> str:
    return sqlite_export.encoded_db(contexts.check_observatory(observatory))


@rpc_method
def push_remote_context(observatory: Word | None, kind: Word | None, key: Key,
                        context: Name) -> None:
    services.push_remote_context(observatory, key, context, kind)
    return None


@rpc_method
def get_remote_context(observatory: Word | None, pipeline_name: Name) -> str:
    context = queries.remote_context(contexts.check_observatory(observatory), pipeline_name)
    if not context:
        raise UnknownContext(f"no context was pushed by pipeline '{pipeline_name}'")
    return context


def _matching_keys(context: str) -> dict[str, list[str]] | list[str]:
    """The matching parameters of ``context``: per instrument for a .pmap, else one list."""
    mapping = contexts.load(contexts.resolve(context))
    try:
        return mapping.get_required_parkeys()
    except CrdsError as exc:
        raise _rules_error(exc) from None


def _minimized(header: dict[str, str], parkeys: dict[str, list[str]] | list[str]
               ) -> dict[str, str]:
    """``header`` cut down to the instrument keywords and the context's matching
    parameters, as an archive answers (the keys a dataset lacks stay out)."""
    instrument = next((str(header[k]).lower() for k in datasets.INSTRUMENT_KEYS
                       if k in header), "")
    keys = parkeys.get(instrument, []) if isinstance(parkeys, dict) else parkeys
    wanted = {*datasets.INSTRUMENT_KEYS, *(str(k).upper() for k in keys)}
    return {key: value for key, value in header.items() if key.upper() in wanted}


@rpc_method
def get_dataset_ids(context: Name, instrument: Word, datasets_since: Word | None = None
                    ) -> list[str]:
    contexts.load(contexts.resolve(context))
    try:
        return datasets.dataset_ids(queries.server_observatory(), instrument, datasets_since)
    except ValueError as exc:
        raise InvalidParams(f"get_dataset_ids: bad datasets_since: {exc}") from None


@rpc_method
def get_dataset_headers_by_id(context: Name, dataset_ids: list[Name],
                              datasets_since: Word | None = None) -> dict[str, Any]:
    if len(dataset_ids) > MAX_PER_RPC:
        raise InvalidParams(f"at most {MAX_PER_RPC} dataset ids per call, got "
                            f"{len(dataset_ids)}")
    parkeys = _matching_keys(context)
    try:
        found = datasets.headers_by_id(queries.server_observatory(), dataset_ids,
                                       datasets_since)
    except ValueError as exc:
        raise InvalidParams(f"get_dataset_headers_by_id: bad datasets_since: {exc}") from None
    return {dataset_id: _minimized(header, parkeys) if isinstance(header, dict) else header
            for dataset_id, header in found.items()}

"""The library entry points: ``opencrds.getreferences`` and ``opencrds.get_default_context``
(the behaviour of ``crds.getreferences``; TOOLS.md §3.2, §4.5, §4.9)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from ..cache.paths import env_flag, file_path
from ..protocol import ServerInfo
from ..rules.errors import LOOKUP_ERRORS, CrdsError
from .download import Downloader
from .modes import effective_mode
from .rpc import RpcClient, server_url
from .serverinfo import default_observatory, fetch_server_info
from .specifiers import ContextSpecError, observatory_of_spec, resolve

log = logging.getLogger("opencrds")


class CrdsLookupError(CrdsError):
    """A best reference could not be determined."""


class CrdsBadRulesError(CrdsError):
    """The final context contains scientifically invalid mappings."""


class CrdsBadReferenceError(CrdsError):
    """A recommended reference is scientifically invalid."""


class CrdsNetworkError(CrdsError):
    """A file the cache lacks cannot be fetched: no CRDS server is connected."""


def _offline_error(client: RpcClient, info: ServerInfo, missing: list[str]) -> CrdsError:
    """What a pipeline gets instead of paths to files that are not in the cache."""
    if client.last_error is not None:  # the words of crds.getreferences
        return CrdsNetworkError(f"Failed downloading cache config from: JSON RPC service at "
                                f"'{client.url}': \"{client.last_error}\"")
    return CrdsNetworkError(f"Cannot fetch {', '.join(repr(n) for n in missing)}: not in the "
                            f"cache, and the server configuration came from "
                            f"{info.server!r} without a CRDS server connection.")


def context_observatory(context: str | None, observatory: str | None = None) -> str:
    """The observatory of a run: the one ``context`` (or ``$CRDS_CONTEXT``) names, else
    ``observatory``, ``$CRDS_OBSERVATORY``, a name in ``$CRDS_SERVER_URL``, else jwst."""
    named = observatory_of_spec(context or os.environ.get("CRDS_CONTEXT"))
    return named or default_observatory(observatory)


def _final_context(spec: str | None, info: ServerInfo, client: RpcClient) -> str:
    observatory = info.observatory
    env = os.environ.get("CRDS_CONTEXT")
    if spec is None and env:
        spec = env
    if spec is None:
        if observatory == "jwst" and info.connected:
            try:
                return resolve("build", info, client)
            except CrdsError:
                log.warning("Calibration SW not found, defaulting to latest.")
        spec = f"{observatory}-latest"
    if spec in ("build", f"{observatory}-build") and not info.connected:
        spec = f"{observatory}-latest"
    return resolve(spec, info, client)


def get_default_context(observatory: str | None = None, state: str | None = None) -> str:
    """The default context of ``observatory`` (``CRDS_CONTEXT`` honoured), online or cached."""
    observatory = default_observatory(observatory)
    with RpcClient(server_url(observatory)) as client:
        info = fetch_server_info(observatory, client)
        if state:
            return resolve(f"{observatory}-{state}", info, client)
        return _final_context(None, info, client)


def _sync_mappings(context: str, info: ServerInfo, client: RpcClient,
                   downloader: Downloader) -> None:
    """Fetch the mapping closure of ``context`` when online and something is missing."""
    if not info.connected:
        return
    if file_path(context, str(info.observatory)).exists():
        names = [context]
        try:
            from .contexts import load_context

            names = load_context(context).mapping_names()
        except CrdsError:
            names = client.call("get_mapping_names", context)
    else:
        names = client.call("get_mapping_names", context)
    missing = downloader.missing(names)
    if missing:
        _, errors = downloader.fetch(missing)
        if errors:
            raise next(iter(errors.values()))


def _check_bad_rules(context: Any, header: Mapping[str, Any], bad: frozenset[str]) -> None:
    if not bad:
        return
    try:
        conventions = context.conventions
        translated = conventions.condition_lookup_header(conventions.translate_keys(header))
        names = [context.name, *context.get_imap(context.get_instrument(translated))
                 .mapping_names()]
    except (*LOOKUP_ERRORS, OSError):  # the instrument's rules cannot be told: check them all
        names = context.mapping_names()
    offending = sorted(set(names) & bad)
    if offending:
        message = (f"Final context '{context.name}' is marked as scientifically invalid "
                   f"based on: {offending}")
        if not env_flag("CRDS_ALLOW_BAD_RULES"):
            raise CrdsBadRulesError(message)
        log.warning("%s", message)


def _local_bestrefs(context_name: str, header: Mapping[str, Any],
                    reftypes: list[str] | None, bad: frozenset[str]) -> dict[str, Any]:
    from ..rules.conditioning import get_best_references
    from .contexts import load_context

    context = load_context(context_name)
    _check_bad_rules(context, header, bad)
    return get_best_references(context, header, reftypes)


#: What ``getreferences`` returns for a type that does not apply to the dataset (as CRDS).
NOT_APPLICABLE = "NOT FOUND n/a"


def getreferences(parameters: Mapping[str, Any], reftypes: Iterable[str] | None = None,
                  context: str | None = None, ignore_cache: bool = False,
                  observatory: str | None = None) -> dict[str, str]:
    """Best references for a dataset header, downloaded when missing: ``{type: path}``.

    The observatory is the one a named context belongs to (``hst_0611.pmap`` -> hst), else
    ``observatory`` or the environment. Not-applicable types map to ``'NOT FOUND n/a'``, as in
    CRDS; other lookup failures raise CrdsLookupError; bad rules or references raise unless
    ``CRDS_ALLOW_BAD_RULES``/``CRDS_ALLOW_BAD_REFERENCES``. A reference the cache lacks that no
    server can supply raises CrdsNetworkError: never a path to a file that is not there.
    """
    observatory = context_observatory(context, observatory)
    types = [t.lower() for t in reftypes] if reftypes is not None else None
    with RpcClient(server_url(observatory)) as client:
        info = fetch_server_info(observatory, client, save=True)
        try:
            final = _final_context(context, info, client)
        except ContextSpecError:
            raise
        downloader = Downloader(observatory, info)
        try:
            bad = info.bad_files
            if effective_mode(info) == "remote":
                bestrefs = client.call("get_best_references", final, dict(parameters), types)
            else:
                _sync_mappings(final, info, client, downloader)
                bestrefs = _local_bestrefs(final, parameters, types, bad)
            result: dict[str, str] = {}
            wanted: list[str] = []
            for filekind, value in sorted(bestrefs.items()):
                text = str(value)
                if text.upper().startswith("NOT FOUND"):
                    if "n/a" in text.lower():
                        result[filekind] = NOT_APPLICABLE
                        continue
                    raise CrdsLookupError(f"Error determining best reference for "
                                          f"'{filekind}' = {text[len('NOT FOUND'):].strip()}")
                if text.upper() == "N/A":
                    result[filekind] = NOT_APPLICABLE
                    continue
                if text in bad:
                    message = (f"Recommended reference '{text}' of type '{filekind}' is "
                               "designated scientifically invalid.")
                    if not env_flag("CRDS_ALLOW_BAD_REFERENCES"):
                        raise CrdsBadReferenceError(message)
                    log.warning("%s", message)
                result[filekind] = text
                wanted.append(text)
            missing = downloader.missing(wanted, ignore_cache and bool(info.connected))
            if missing and not info.connected:
                raise _offline_error(client, info, missing)
            _, errors = downloader.fetch(missing, ignore_cache=ignore_cache)
            if errors:
                raise next(iter(errors.values()))
            return {kind: value if value == NOT_APPLICABLE else str(downloader.path(value))
                    for kind, value in result.items()}
        finally:
            downloader.close()

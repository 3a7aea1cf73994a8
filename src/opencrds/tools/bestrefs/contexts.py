"""The contexts of ``opencrds bestrefs``: resolving names offline, and the cache's bad files.

A context argument is a literal mapping name (looked up in the cache), a path to a mapping, or
a symbolic name resolved from the cached server configuration (``config/<obs>/server_config``,
TOOLS.md §3.2): ``<obs>-latest``, ``<obs>-operational``, ``<obs>-edit``, ``<obs>-versions`` and
``latest``. Date-based names need a server and are refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...cache.config import read_cached_server_info
from ...cache.paths import branch_dir
from ...observatories import registered_observatories
from ...protocol import ServerInfo
from ..common import ToolError, log

_TAGS = {"latest": "latest_context", "operational": "operational_context",
         "edit": "edit_context", "versions": "versions_context"}


def config_dir(observatory: str, cache: str | os.PathLike[str] | None) -> Path:
    """The cache's ``config/<observatory>`` directory."""
    if cache is not None:
        return Path(cache) / "config" / observatory
    return branch_dir("config", observatory)


def server_config(observatory: str, cache: str | os.PathLike[str] | None) -> ServerInfo:
    """The cached server configuration of ``observatory`` (an empty ServerInfo when there is
    none, or it cannot be read)."""
    return read_cached_server_info(config_dir(observatory, cache) / "server_config")


def default_observatory(chosen: str | None) -> str | None:
    """``--hst/--jwst/--roman``, else ``CRDS_OBSERVATORY``, else a name in ``CRDS_SERVER_URL``."""
    if chosen:
        return chosen
    if env := os.environ.get("CRDS_OBSERVATORY"):
        return env.lower()
    url = os.environ.get("CRDS_SERVER_URL", "")
    return next((name for name in registered_observatories() if name in url), None)


def observatory_of_files(files: list[str] | None) -> str | None:
    """The observatory of the first dataset file that tells: by its name (``hst_...``,
    ``jwst_...``), else by its header (``TELESCOP``, or a JWST instrument)."""
    from ...io import HeaderError, read_header
    from ...io.crossstrap import is_jwst_header

    for path in files or ():
        base = os.path.basename(path).lower()
        named = next((obs for obs in registered_observatories()
                      if base.startswith(obs + "_")), None)
        if named:
            return named
        try:
            header = read_header(path)
        except (HeaderError, OSError):
            continue
        telescope = str(header.get("TELESCOP", header.get("META.TELESCOPE", ""))).lower()
        if telescope in registered_observatories():
            return telescope
        if is_jwst_header(header):
            return "jwst"
    return None


def resolve_context(spec: str | None, observatory: str | None,
                    cache: str | os.PathLike[str] | None,
                    files: list[str] | None = None) -> str:
    """The literal mapping name or path that ``spec`` stands for (ToolError if unknown).

    Without ``spec``, the latest context of the observatory (the switches, the environment,
    else the dataset ``files``) in the cache's server configuration, silently (as crds).
    """
    explicit = spec is not None
    if spec is None:
        obs = default_observatory(observatory) or observatory_of_files(files)
        if obs is None:
            raise ToolError("no --new-context given, and no observatory to take the latest "
                            "context of: give --new-context, or --hst/--jwst/--roman")
        spec = f"{obs}-latest"
    text = spec.removeprefix("crds://")
    if text.endswith((".pmap", ".imap", ".rmap")) or os.sep in text or Path(text).is_file():
        return text
    obs, _, tag = text.rpartition("-")
    if text == "latest":
        obs, tag = default_observatory(observatory) or "", "latest"
    if obs in registered_observatories() and tag in _TAGS:
        config = server_config(obs, cache)
        name = getattr(config, _TAGS[tag]) or (config.operational_context
                                               if tag == "latest" else None)
        if name:
            if explicit:
                log.info("Symbolic context %r resolves to %r", spec, name)
            return str(name)
        raise ToolError(f"cannot resolve context {spec!r}: no {_TAGS[tag]} in the cached "
                        f"server configuration {config_dir(obs, cache) / 'server_config'}")
    raise ToolError(f"cannot resolve context {spec!r} without a CRDS server: give a literal "
                    "context name (hst_0729.pmap), a path, or <obs>-latest/-operational/-edit/"
                    "-versions")


def bad_files(observatory: str, cache: str | os.PathLike[str] | None) -> frozenset[str]:
    """Names the cache marks as scientifically invalid (``bad_files.txt``, else server_config)."""
    path = config_dir(observatory, cache) / "bad_files.txt"
    try:
        names = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        names = list(server_config(observatory, cache).bad_files_list or ())
    return frozenset(name.strip().lower() for name in names if name.strip())


def bad_rules_message(context: Any, bad: frozenset[str], which: str) -> str | None:
    """The message saying that ``context`` is or holds bad rules, or None when it does not."""
    if not bad or not {name.lower() for name in context.mapping_names()} & bad:
        return None
    return (f"{which}-context = {context.basename!r} is bad or contains bad rules.  Use is not "
            "recommended,  results may not be scientifically valid.")

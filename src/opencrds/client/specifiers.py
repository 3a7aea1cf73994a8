"""Context specifiers (TOOLS.md §3): literal names, ``<obs>-edit|operational|latest|versions``,
``build`` and date-based forms, resolved from server info and, when needed, the server."""

from __future__ import annotations

import os
import re

from ..protocol import ServerInfo
from ..rules.errors import CrdsError
from .rpc import RpcClient

TAGS = ("edit", "operational", "latest", "build", "versions")
_DATE = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"
CONTEXT_RE = re.compile(
    rf"(?:(?P<obs>[a-z]{{2,9}})(?:-(?P<instr>[a-z][a-z0-9]{{1,16}})"
    rf"(?:-(?P<kind>[a-z][a-z0-9-]{{1,32}}?))?)?-(?:(?P<tag>{'|'.join(TAGS)})|(?P<date>{_DATE}))"
    rf"|(?P<bare>{_DATE}))")
LITERAL_EXTS = (".pmap", ".imap", ".rmap")


class ContextSpecError(CrdsError):
    """A context specifier is malformed or cannot be resolved."""


def is_literal(spec: str) -> bool:
    return spec.removeprefix("crds://").endswith(LITERAL_EXTS)


def is_specifier(spec: str) -> bool:
    """True for any accepted mapping_spec (§3.1)."""
    return is_literal(spec) or spec in ("latest", "build") or bool(CONTEXT_RE.fullmatch(spec))


def observatory_of_spec(spec: str | None) -> str | None:
    """The observatory a context specifier names (``hst_0611.pmap``, ``hst-latest``,
    ``hst-2018-01-21``), or None for ``latest``, ``build`` and bare dates."""
    if not spec:
        return None
    spec = spec.strip().removeprefix("crds://")
    if is_literal(spec):
        from ..cache.paths import observatory_of

        return observatory_of(spec)
    match = CONTEXT_RE.fullmatch(spec)
    return match["obs"] if match and match["obs"] else None


def _offline_names(info: ServerInfo) -> dict[str, str]:
    latest = info.default_context
    return {"latest": latest, "operational": latest, "edit": info.edit_context or "",
            "versions": info.versions_context or ""}


def resolve(spec: str, info: ServerInfo, client: RpcClient | None = None) -> str:
    """The literal mapping name ``spec`` stands for under ``info`` (server info).

    Literal names resolve to themselves (``crds://`` removed); pipeline-level tags resolve
    from ``info`` offline; everything else asks the server (``get_context_by_date``).
    """
    spec = spec.strip()
    if is_literal(spec):
        return spec.removeprefix("crds://")
    observatory = info.observatory or ""
    names = _offline_names(info)
    if spec == "latest":
        return names["latest"]
    match = CONTEXT_RE.fullmatch(spec)
    if spec != "build" and not match:
        raise ContextSpecError("A .rmap, .imap, or .pmap file or date base specification is "
                               f"required but got: '{spec}'")
    if match and match["obs"] and match["obs"] != observatory:
        raise ContextSpecError(f"Context specifier '{spec}' does not match observatory "
                               f"'{observatory}'")
    if match and match["tag"] in names and not match["instr"]:
        return names[match["tag"]]  # '' for an observatory without a versions context
    if client is None or not info.connected:
        raise ContextSpecError(f"Specified CRDS context by date '{spec}' and CRDS server is not "
                               "reachable.")
    if spec == "build":
        return str(client.call("get_default_context", observatory, "build"))
    return str(client.call("get_context_by_date", spec, observatory))


def default_context_spec(observatory: str) -> str:
    """``$CRDS_CONTEXT`` (must be .pmap or pipeline-level), else ``<obs>-latest``."""
    env = os.environ.get("CRDS_CONTEXT")
    if not env:
        return f"{observatory}-latest"
    match = CONTEXT_RE.fullmatch(env)
    if not (env.endswith(".pmap") or env in ("latest", "build")
            or (match and not match["instr"])):
        raise ContextSpecError("Only set CRDS_CONTEXT to a literal or symbolic context (.pmap), "
                               f"got {env!r}")
    return env


def expand_all(spec: str, info: ServerInfo, client: RpcClient | None = None) -> list[str]:
    """``<obs>-all-<kind>-<tag>`` as one specifier per instrument (not ``system``) of the
    edit context; any other specifier unchanged (TOOLS.md §3.2)."""
    match = CONTEXT_RE.fullmatch(spec)
    if not match or match["instr"] != "all":
        return [spec]
    edit = info.edit_context or info.operational_context
    from .contexts import load_context

    try:
        context = load_context(edit)
    except CrdsError:
        if client is None or not info.connected:
            raise
        from .download import Downloader

        downloader = Downloader(str(info.observatory), info)
        try:
            downloader.fetch_one(edit)
        finally:
            downloader.close()
        context = load_context(edit)
    instruments = sorted(k.lower() for k in getattr(context, "selector", {})
                         if k.lower() != "system")
    return [spec.replace("-all-", f"-{name}-", 1) for name in instruments]

"""The one table from domain errors to the error names clients see on the wire.

Wire names are part of the protocol (PROTOCOL.md; the crds client shows them), so they are
spelled here once and never follow a Python class name. A catalog error not in the table is
a server bug, answered as an internal error. Errors of the rules engine raised while
answering (a failed best-references lookup...) keep the crds client's exception names, their
class names (:func:`rules_error_name`).
"""

from __future__ import annotations

from opencrds.rules.errors import CrdsError

from ..catalog.errors import (
    AmbiguousSelection,
    CatalogError,
    ContextLoadFailed,
    InvalidObservatory,
    InvalidPipelineKey,
    UnavailableFile,
    UnknownContext,
    UnknownFile,
)

#: Domain error -> wire name; the most specific class listed wins.
WIRE_NAMES: dict[type[CatalogError], str] = {
    UnknownContext: "UnknownContext",
    UnknownFile: "UnknownFile",
    UnavailableFile: "UnavailableFile",
    InvalidObservatory: "InvalidObservatory",
    InvalidPipelineKey: "InvalidPipelineKey",
    AmbiguousSelection: "CrdsLookupError",
}


def rules_error_name(exc: CrdsError) -> str:
    """The wire name of an error of the rules engine: its class name, as crds has it."""
    return type(exc).__name__


def wire_name(exc: BaseException) -> str | None:
    """The wire name of a domain error; None for anything else (an internal error)."""
    if isinstance(exc, ContextLoadFailed):  # the loader's reason names it (MappingError...)
        return rules_error_name(exc.reason)
    for cls in type(exc).__mro__:
        name = WIRE_NAMES.get(cls)  # type: ignore[call-overload]
        if name is not None:
            return name
    return None

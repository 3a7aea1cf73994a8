"""Errors of the catalog's domain, raised by context resolution, lookups and services.

Each derives from :class:`opencrds.rules.errors.CrdsError`. They know nothing of the wire: the
JSON-RPC layer maps them to the error names clients see (:mod:`opencrds.server.rpc.errors`).
"""

from __future__ import annotations

from opencrds.rules.errors import CrdsError


class CatalogError(CrdsError):
    """Base of the catalog's domain errors."""


class NotConfigured(CatalogError):
    """The server cannot tell which observatory it serves."""


class InvalidObservatory(CatalogError):
    """A request names an observatory this server does not serve."""


class UnknownContext(CatalogError):
    """A context name or specification that names no usable context."""


class ContextLoadFailed(UnknownContext):
    """A catalogued mapping that could not be loaded; ``reason`` is the loader's error."""

    def __init__(self, message: str, reason: CrdsError) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownFile(CatalogError):
    """A file name the catalog does not know."""


class UnavailableFile(CatalogError):
    """A catalogued file whose bytes cannot be served (not delivered, or missing)."""


class InvalidPipelineKey(CatalogError):
    """A pipeline key no registered pipeline has."""


class AmbiguousSelection(CatalogError):
    """Rules whose equal-weight matches select several files (RULES.md §3.2.7)."""


class ImportFailed(CatalogError):
    """A source (a CRDS cache, dataset files) cannot be imported."""

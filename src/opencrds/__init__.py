"""OpenCRDS: calibration reference data system — rules, best references, cache and server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .client.api import get_default_context, getreferences
    from .client.contexts import load_context
    from .rules.conditioning import get_best_references

__all__ = ["__version__", "get_best_references", "get_default_context", "getreferences",
           "load_context"]


def __getattr__(name: str) -> Any:
    """Import the public API lazily, so ``import opencrds`` stays cheap."""
    if name == "load_context":
        from .client.contexts import load_context

        return load_context
    if name == "get_best_references":
        from .rules.conditioning import get_best_references

        return get_best_references
    if name in ("getreferences", "get_default_context"):
        from .client import api

        return getattr(api, name)
    if name in ("CrdsError", "MappingError"):
        from .rules import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'opencrds' has no attribute {name!r}")

"""Client side of OpenCRDS: loading contexts from a cache, and (later) talking to servers."""

from .contexts import get_loader, load_context

__all__ = ["get_loader", "load_context"]

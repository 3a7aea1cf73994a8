"""The error of the wire-protocol layer."""

from __future__ import annotations

from ..rules.errors import CrdsError


class ProtocolError(CrdsError):
    """Something received over the wire does not have the form the protocol requires; the
    message names what was wrong."""

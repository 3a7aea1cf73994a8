"""The error of unusable delivery input."""

from __future__ import annotations

from ..rules.errors import CrdsError


class GenerationError(CrdsError, ValueError):
    """Input a delivery cannot use: a file that cannot be placed, a type the context lacks,
    a mapping that cannot be read. The message names the file or mapping and why."""

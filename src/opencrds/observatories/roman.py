"""Nancy Grace Roman Space Telescope conventions (RULES.md §6.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules.conventions import Conventions


class RomanConventions(Conventions):
    """Roman: parameters are ``ROMAN.META.*`` paths; one date parameter."""

    name = "roman"

    def prefix_meta(self, header: Mapping[str, Any]) -> dict[str, Any]:
        """Rename ``META...`` keys to ``ROMAN.META...`` (what pipelines' headers need)."""
        result = {}
        for key, value in header.items():
            if isinstance(key, str) and key.split(".", 1)[0].upper() == "META":
                key = "ROMAN." + key
            result[key] = value
        return result

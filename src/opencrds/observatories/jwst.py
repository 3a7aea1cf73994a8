"""James Webb Space Telescope conventions (RULES.md §6.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules.conventions import Conventions
from .keywords import jwst_fits_to_datamodel


class JwstConventions(Conventions):
    """JWST: data-model keyword paths, FITS keyword aliases and two global extra parameters."""

    name = "jwst"
    global_extra_keys = ("META.VISIT.TSOVISIT", "META.INSTRUMENT.LAMP_STATE")

    def translate_keys(self, header: Mapping[str, Any]) -> dict[str, Any]:
        """Upper-case every key; translate bare FITS keywords to their ``META.*`` paths."""
        table = jwst_fits_to_datamodel()
        result: dict[str, Any] = {}
        for key, value in header.items():
            upper = str(key).upper()
            if not upper.startswith("META."):
                upper = table.get(upper, upper)
            result[upper] = value
        return result

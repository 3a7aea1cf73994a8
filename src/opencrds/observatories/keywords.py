"""Keyword translation tables, loaded from data files shipped in the package."""

from __future__ import annotations

import functools
import json
from importlib import resources


@functools.cache
def jwst_fits_to_datamodel() -> dict[str, str]:
    """FITS keyword -> unique JWST data-model path (``DETECTOR`` -> ``META.INSTRUMENT.DETECTOR``)."""
    data = resources.files(__package__).joinpath("data", "jwst_keywords.json")
    with data.open(encoding="utf-8") as stream:
        table = json.load(stream)
    return {key: value for key, value in table["fits_to_datamodel"].items()}

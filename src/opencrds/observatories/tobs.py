"""TOBS, the test observatory whose one rmap exercises every selector class (RULES.md §6.4)."""

from __future__ import annotations

from ..rules.conventions import Conventions


class TobsConventions(Conventions):
    """TOBS: plain defaults."""

    name = "tobs"

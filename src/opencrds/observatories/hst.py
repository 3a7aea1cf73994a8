"""Hubble Space Telescope conventions (RULES.md §6.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules.conventions import Conventions, Hook
from . import hst_hooks


class HstConventions(Conventions):
    """HST: ``INSTRUME`` selects the instrument, ``WFII`` is WFPC2, hooks and the DNR rule."""

    name = "hst"
    instrument_aliases = {"wfii": "wfpc2"}

    def hook(self, instrument: str, name: str) -> Hook | None:
        return hst_hooks.HOOKS.get(name)

    def do_not_reprocess(self, header: Mapping[str, Any]) -> bool:
        return hst_hooks.do_not_reprocess(header)

"""The context picker of CRDS's forms (SERVER.md §1.3): editing, operational, a recent
context from a menu, or one typed in. Field names are CRDS's (``pmap_mode``, ``pmap_menu``,
``pmap_text``), so the same names work from scripts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..catalog import queries
from ..catalog.models import FileRecord

#: How many recent contexts the menu offers.
RECENT_CONTEXTS = 50
MODES = ("pmap_edit", "pmap_operational", "pmap_latest", "pmap_menu", "pmap_text")


class PickerError(ValueError):
    """A picked context that is not a pmap of the catalog (the message names it)."""


@dataclass
class ContextPicker:
    """What the picker shows and what was picked: :meth:`context` resolves the choice."""

    observatory: str
    edit: str
    operational: str
    recent: list[tuple[str, datetime.datetime | None]] = field(default_factory=list)
    mode: str = "pmap_operational"
    text: str = ""
    selected: str = ""
    legend: str = "Context"

    @classmethod
    def from_data(cls, observatory: str, data: Mapping[str, str] | None = None, *,
                  prefix: str = "", default_mode: str = "pmap_operational",
                  legend: str = "Context") -> ContextPicker:
        """The picker for ``observatory``, with the choice read from ``data`` (GET or POST)."""
        data = data or {}
        defaults = queries.default_contexts(observatory)
        operational = defaults.get("operational", "")
        recent = list(FileRecord.objects.filter(
            observatory=observatory, type=FileRecord.Kind.MAPPING, name__endswith=".pmap")
            .order_by("-delivery_date", "-name").values_list("name", "delivery_date")
            [:RECENT_CONTEXTS])
        mode = data.get(prefix + "pmap_mode") or default_mode
        if mode not in MODES:
            mode = default_mode
        return cls(observatory=observatory, edit=defaults.get("edit") or operational,
                   operational=operational, recent=recent, mode=mode,
                   text=(data.get(prefix + "pmap_text") or "").strip(),
                   selected=(data.get(prefix + "pmap_menu") or "").strip(), legend=legend)

    def context(self) -> str:
        """The pmap picked; :class:`PickerError` if it is not a context of the catalog."""
        if self.mode == "pmap_edit":
            name = self.edit
        elif self.mode in ("pmap_operational", "pmap_latest"):
            name = self.operational
        elif self.mode == "pmap_menu":
            name = self.selected
        else:
            name = self.text
        if not name.endswith(".pmap") or not FileRecord.objects.filter(
                observatory=self.observatory, name=name).exists():
            raise PickerError(f"'{name}' is not a context (.pmap) of {self.observatory.upper()}")
        return name

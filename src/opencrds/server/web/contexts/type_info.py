"""Human descriptions of reference types (``text_descr`` of the observatory's type
definitions): "area ---- Pixel-Area Map"."""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _descriptions(observatory: str) -> dict[tuple[str, str], str]:
    from opencrds.observatories.definitions import DefinitionError
    from opencrds.observatories.generic import (
        mission_path,
        read_definitions,
        registered_definition,
    )

    definition = registered_definition(observatory)
    if definition is None:
        try:
            definition = read_definitions(mission_path(observatory))
        except (DefinitionError, OSError) as exc:
            log.info("no type descriptions for %s: %s", observatory, exc)
            return {}
    table: dict[tuple[str, str], str] = {}
    for (instrument, kind), spec in sorted(definition.types.items()):
        if spec.text_descr:
            table[(instrument.lower(), kind.lower())] = spec.text_descr.strip()
            table.setdefault(("*", kind.lower()), spec.text_descr.strip())
    return table


def type_description(observatory: str, instrument: str, filekind: str) -> str:
    """The description of ``filekind`` for ``instrument``, else of that type for all or another
    instrument ('' when the definitions have none)."""
    table = _descriptions(observatory.lower())
    instrument, filekind = instrument.lower(), filekind.lower()
    return (table.get((instrument, filekind)) or table.get(("all", filekind))
            or table.get(("*", filekind), ""))

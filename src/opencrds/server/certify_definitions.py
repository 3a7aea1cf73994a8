"""The definitions the server certifies its mission's files against.

A server serves one mission; its certify path (file submissions) checks files against that
mission's definitions: those the store holds (``<store>/definitions/<obs>``, imported with a
mission defined by data such as ``example``), else the ones shipped with opencrds (HST, JWST,
Roman, TOBS). A mission with neither is an error, never a silent pass.
"""

from __future__ import annotations

from pathlib import Path

from opencrds.certify import CertifyOptions
from opencrds.certify.context import definition_for, no_definitions_message
from opencrds.observatories.definitions import DefinitionError, ObservatoryDefinition


def certify_options(observatory: str, store_root: Path | None = None,
                    **switches: object) -> CertifyOptions:
    """Options that certify ``observatory``'s files against the served definitions."""
    if store_root is None:
        from .catalog.filestore import get_file_store

        definitions = get_file_store().definitions_root()
    else:
        definitions = Path(store_root) / "definitions"
    return CertifyOptions(observatory=observatory, definitions_dirs=(str(definitions),),
                          **switches)  # type: ignore[arg-type]


def mission_definition(observatory: str, store_root: Path | None = None
                       ) -> ObservatoryDefinition:
    """The served mission's definitions; :class:`DefinitionError` if it has none."""
    definition = definition_for(observatory, certify_options(observatory, store_root))
    if definition is None:
        raise DefinitionError(no_definitions_message(observatory))
    return definition

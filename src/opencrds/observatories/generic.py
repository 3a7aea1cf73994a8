"""Conventions and rules for missions defined only by data (ARCHITECTURE.md).

:func:`register_definitions` makes an :class:`ObservatoryDefinition` (or a definitions
directory, in our format or CRDS's) the conventions of its observatory, so every mapping
whose header names that observatory uses them. :func:`pmap_text`, :func:`imap_text` and
:func:`rmap_text` write checksummed rules for such a mission.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..rules.conventions import Conventions, Hook, conventions_for, register
from ..rules.parser import SelectorCall
from ..rules.writer import write_with_checksum
from .tpn import DefinitionError

if TYPE_CHECKING:  # the definition readers are imported when a mission is read (rarely)
    from .definitions import ObservatoryDefinition

log = logging.getLogger(__name__)

#: Environment variable: definitions directories (``os.pathsep``-separated) to register.
DEFINITIONS_PATH_VAR = "OPENCRDS_DEFINITIONS_PATH"


class DefinedConventions(Conventions):
    """Conventions read from an :class:`ObservatoryDefinition`.

    No do-not-reprocess rule; hooks only if given (hooks are code, RULES.md §6.1). Conditioned
    lookups translate dataset keywords through ``keyword_translations`` (case-insensitive);
    a parameter the header already gives by its own name wins over a translated keyword.
    """

    def __init__(self, definition: ObservatoryDefinition,
                 hooks: Mapping[str, Hook] | None = None) -> None:
        self.definition = definition
        self.name = definition.name
        self.global_extra_keys = tuple(definition.global_extra_keys)
        self.instrument_aliases = {k.lower(): v.lower()
                                   for k, v in definition.instrument_aliases.items()}
        self._translations = {k.upper(): v for k, v in definition.keyword_translations.items()}
        self._hooks = dict(hooks or {})

    def hook(self, instrument: str, name: str) -> Hook | None:
        return self._hooks.get(name)

    def translate_keys(self, header: Mapping[str, Any]) -> dict[str, Any]:
        if not self._translations:
            return dict(header)
        given = {str(key).upper() for key in header}
        result: dict[str, Any] = {}
        for key, value in header.items():
            target = self._translations.get(str(key).upper())
            if target is not None and target.upper() not in given:
                key = target
            result[key] = value
        return result

    def __repr__(self) -> str:
        return f"<DefinedConventions {self.name} from {self.definition.source}>"


def read_definitions(path: str | os.PathLike[str]) -> ObservatoryDefinition:
    """A definitions directory in either format: ours (``observatory.yaml``) or CRDS's
    (``specs/``)."""
    root = Path(path)
    if (root / "observatory.yaml").is_file():
        from .definitions import load_definitions

        return load_definitions(root)
    if (root / "specs").is_dir():
        from .crds_format import load_crds_definitions

        return load_crds_definitions(root)
    raise DefinitionError(f"{root}: neither observatory.yaml nor specs/ found")


def register_definitions(source: str | os.PathLike[str] | ObservatoryDefinition, *,
                         hooks: Mapping[str, Hook] | None = None) -> DefinedConventions:
    """Register the conventions of a mission defined by data and return them.

    ``source`` is an :class:`ObservatoryDefinition` or a definitions directory (either
    format). Mappings loaded afterwards whose ``observatory`` is that mission use them
    (mappings already loaded and shared keep the conventions they were built with).
    """
    from .definitions import ObservatoryDefinition

    definition = source if isinstance(source, ObservatoryDefinition) else read_definitions(source)
    conventions = DefinedConventions(definition, hooks)
    register(conventions)
    return conventions


def registered_definition(observatory: str) -> ObservatoryDefinition | None:
    """The definition registered for ``observatory``, if it was registered from data."""
    conventions = conventions_for(observatory)
    return conventions.definition if isinstance(conventions, DefinedConventions) else None


def mission_path(name: str) -> Path:
    """The definitions directory of a mission shipped with opencrds (e.g. ``tobs``)."""
    from importlib import resources

    path = Path(str(resources.files(__package__).joinpath("missions", name)))
    if not (path / "observatory.yaml").is_file():
        raise DefinitionError(f"no mission '{name}' is shipped with opencrds")
    return path


def register_from_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """Register every definitions directory named by ``$OPENCRDS_DEFINITIONS_PATH``.

    Each entry is a definitions directory or a directory of them. Returns the names
    registered; an invalid directory is skipped with a warning.
    """
    env = os.environ if environ is None else environ
    names = []
    for entry in filter(None, env.get(DEFINITIONS_PATH_VAR, "").split(os.pathsep)):
        root = Path(entry)
        if (root / "observatory.yaml").is_file() or (root / "specs").is_dir():
            candidates = [root]
        else:
            candidates = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        for candidate in candidates:
            if (candidate / "observatory.yaml").is_file() or (candidate / "specs").is_dir():
                try:
                    names.append(register_definitions(candidate).name)
                except (DefinitionError, OSError) as exc:
                    log.warning("Not registering observatory definitions %s: %s", candidate, exc)
    return names


# ---- writing rules for a defined mission ---------------------------------------------------


def pmap_text(definition: ObservatoryDefinition, name: str, imaps: Mapping[str, str],
              derived_from: str, description: str = "") -> str:
    """A checksummed .pmap: ``imaps`` maps instrument -> imap name (or ``N/A``)."""
    header = {
        "derived_from": derived_from,
        "description": description,
        "mapping": "PIPELINE",
        "name": name,
        "observatory": definition.name.upper(),
        "parkey": (definition.instrument_key,),
    }
    return write_with_checksum(header, {k.upper(): v for k, v in imaps.items()})


def imap_text(definition: ObservatoryDefinition, instrument: str, name: str,
              rmaps: Mapping[str, str], derived_from: str) -> str:
    """A checksummed .imap: ``rmaps`` maps type -> rmap name (or ``N/A``)."""
    if instrument.lower() not in definition.instruments:
        raise DefinitionError(f"'{instrument}' is not an instrument of '{definition.name}'")
    header = {
        "derived_from": derived_from,
        "instrument": instrument.upper(),
        "mapping": "INSTRUMENT",
        "name": name,
        "observatory": definition.name.upper(),
        "parkey": ("REFTYPE",),
    }
    return write_with_checksum(header, {k.upper(): v for k, v in rmaps.items()})


def rmap_text(definition: ObservatoryDefinition, instrument: str, filekind: str, name: str,
              selector: SelectorCall, derived_from: str, comment: str | None = None) -> str:
    """A checksummed .rmap of a defined type, its header made from the type definition."""
    spec = definition.type_of(instrument, filekind)
    header = spec.rmap_header(definition.name, name, derived_from)
    return write_with_checksum(header, selector, comment)

"""The seam between the rules engine and observatory conventions.

The engine asks an observatory's :class:`Conventions` for the few things that differ between
missions: extra required parameters, instrument aliases, hook functions, the do-not-reprocess
rule and the key translation of conditioned lookups. ``opencrds.observatories`` registers the
real ones; an observatory nobody registered gets these plain defaults.

The registry is also the one list of the observatories opencrds knows: the built-in missions
and every mission defined by data (:func:`registered_observatories`). It is filled when
``opencrds.observatories`` is imported; the rules engine cannot import it itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Hook = Callable[[dict[str, Any]], Any]


class Conventions:
    """Default conventions: no hooks, no aliases, no extra keys, keys used as given."""

    name = "generic"
    global_extra_keys: tuple[str, ...] = ()
    instrument_aliases: Mapping[str, str] = {}

    def hook(self, instrument: str, name: str) -> Hook | None:
        """The hook function called ``name`` for ``instrument``, or None (RULES.md §6.1)."""
        return None

    def do_not_reprocess(self, header: Mapping[str, Any]) -> bool:
        """Whether a failed lookup means the dataset is not to be reprocessed."""
        return False

    def translate_keys(self, header: Mapping[str, Any]) -> dict[str, Any]:
        """Translate a dataset header's keys to rule parameter names (layer C)."""
        return dict(header)

    def condition_lookup_header(self, header: Mapping[str, Any]) -> dict[str, Any]:
        """Key changes made before a conditioned lookup (after ``translate_keys``)."""
        return dict(header)


_REGISTRY: dict[str, Conventions] = {}
_DEFAULT = Conventions()


def register(conventions: Conventions) -> None:
    """Make ``conventions`` the ones used for mappings of its observatory."""
    _REGISTRY[conventions.name.lower()] = conventions


def registered_observatories() -> tuple[str, ...]:
    """The names (lower case) of every registered observatory, built-in ones first, then the
    missions defined by data in the order they were registered."""
    return tuple(_REGISTRY)


def conventions_for(observatory: str) -> Conventions:
    """The registered conventions of ``observatory`` (case-insensitive), or the defaults."""
    return _REGISTRY.get(observatory.lower(), _DEFAULT)

"""Deriving a new context from new rmaps (TOOLS.md §2.9), without touching files.

For each new rmap (in the order given), the imap of its instrument gets the rmap for its
type, or ``N/A`` for an ``<instr>_<type>_n/a`` argument; the pmap then gets the new imaps.
New names come from a function the caller gives, usually the next free serial among the names
already taken (:func:`new_name_after`). A bad rmap is a :class:`Failure` in the result and the others still
count. ``opencrds newcontext`` finds and writes the files; a submission calls this directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from .edit import derived_text, set_context_entry
from .naming import next_mapping_name
from .parser import ParsedMapping, parse_mapping_text

#: The suffix of an argument that sets a type to N/A instead of naming a new rmap.
NOT_APPLICABLE_SUFFIX = "_n/a"


@dataclass(frozen=True)
class RmapSlot:
    """Where a new rmap goes: the instrument and type of its imap entry, and the value (the
    rmap's name, or ``N/A``)."""

    instrument: str
    filekind: str
    value: str


def is_not_applicable(argument: str) -> bool:
    """Whether ``argument`` is ``<instr>_<type>_n/a`` (set the type to N/A)."""
    return argument.lower().endswith(NOT_APPLICABLE_SUFFIX)


def rmap_slot(name: str, text: str | None = None) -> RmapSlot:
    """The slot of a new rmap ``name`` (a basename) from its ``text``, or of an
    ``<instr>_<type>_n/a`` argument (no text needed). Raises ValueError or a parse error."""
    if is_not_applicable(name):
        parts = name[: -len(NOT_APPLICABLE_SUFFIX)].lower().split("_")
        if len(parts) not in (2, 3):
            raise ValueError(f"'{name}' is not <instr>_<type>_n/a")
        return RmapSlot(parts[-2], parts[-1], "N/A")
    if text is None:
        raise ValueError(f"no text for rmap '{name}'")
    header = parse_mapping_text(text, name).header
    return RmapSlot(str(header["instrument"]).lower(), str(header["filekind"]).lower(), name)


@dataclass(frozen=True)
class Replacement:
    """One entry changed: ``key`` of ``mapping`` went from ``old`` to ``new`` in the new
    mapping ``producing``; ``new_is_derived`` when ``new`` is one of the new imaps."""

    mapping: str
    key: str
    old: object
    new: str
    producing: str
    new_is_derived: bool = False


@dataclass(frozen=True)
class Failure:
    """A new rmap that could not be added, and why."""

    rmap: str
    error: Exception


@dataclass(frozen=True)
class DerivedMapping:
    """A new mapping: its name, the mapping it derives from, and its contents."""

    name: str
    derived_from: str
    parsed: ParsedMapping

    @property
    def text(self) -> str:
        """The text to write: ``derived_from`` and ``name`` set, with a fresh sha1sum."""
        return derived_text(self.parsed, self.derived_from, self.name)


@dataclass
class DerivedContext:
    """The new mappings (the pmap first, then the imaps by instrument) and, in order, what
    was replaced and which rmaps failed."""

    mappings: list[DerivedMapping] = field(default_factory=list)
    steps: list[Replacement | Failure] = field(default_factory=list)

    @property
    def failures(self) -> list[Failure]:
        return [step for step in self.steps if isinstance(step, Failure)]


def new_name_after(existing_names: Iterable[str]) -> Callable[[str], str]:
    """A ``new_name`` for :func:`derive_context`: the next free serial after a mapping's
    name among ``existing_names`` (``hst_cos_0306.imap`` -> ``hst_cos_0307.imap``)."""
    return partial(next_mapping_name, existing_names=frozenset(existing_names), prefix="")


def derive_context(pmap: ParsedMapping,
                   slots: Sequence[tuple[str, RmapSlot | Exception]],
                   load_imap: Callable[[str], ParsedMapping],
                   new_name: Callable[[str], str]) -> DerivedContext:
    """New imaps and a new pmap putting ``slots`` into ``pmap``.

    ``slots`` pairs each new rmap argument with its :func:`rmap_slot` (or the error that
    computing it raised, reported as a failure of that rmap). ``load_imap(name)`` gives the
    parsed imap of that name (a dict's ``__getitem__`` will do); ``new_name(name)`` the name
    of the mapping derived from ``name`` (see :func:`new_name_after`). An error of
    ``new_name`` for the pmap is raised.
    """
    result = DerivedContext()
    imaps: dict[str, tuple[ParsedMapping, str]] = {}  # instrument -> (new imap, new name)
    for rmap, slot in slots:
        try:
            if isinstance(slot, Exception):
                raise slot
            if slot.instrument not in imaps:
                imap_name = next((v for k, v in pmap.selector.items()
                                  if str(k).lower() == slot.instrument), None)
                if imap_name is None:
                    raise ValueError(
                        f"instrument '{slot.instrument}' is not in '{pmap.filename}'")
                imap = load_imap(imap_name)
                imaps[slot.instrument] = imap, new_name(imap.filename)
            imap, name = imaps[slot.instrument]
            updated, old = set_context_entry(imap, slot.filekind, slot.value)
            imaps[slot.instrument] = updated, name
            result.steps.append(Replacement(imap.filename, slot.filekind, old, slot.value,
                                            name))
        except Exception as exc:  # reported per rmap, as CRDS does; the others go on
            result.steps.append(Failure(rmap, exc))
    pmap_name = new_name(pmap.filename)
    new_pmap = pmap
    for instrument, (_imap, name) in sorted(imaps.items()):
        new_pmap, old = set_context_entry(new_pmap, instrument, name)
        result.steps.append(Replacement(pmap.filename, instrument.upper(), old, name,
                                        pmap_name, new_is_derived=True))
    result.mappings = [DerivedMapping(pmap_name, new_pmap.filename, new_pmap)]
    result.mappings += [DerivedMapping(name, imap.filename, imap)
                        for imap, name in (imaps[i] for i in sorted(imaps))]
    return result

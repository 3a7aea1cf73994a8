"""The rules of a delivery: new rmaps with the references inserted or deleted, then the new
imaps and pmap (SERVER.md §2.2 steps 5–6; TOOLS.md refactor and newcontext).

Pure apart from reading the headers of the references given: mapping texts come from the
caller's ``read_mapping(name)`` and new names from its ``name_for(old name)`` (the server
allocates serials in its database; :func:`next_free_namer` takes the next free one among
known names). Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..certify.context import CertifyOptions
from ..rules.derive import RmapSlot, derive_context, rmap_slot
from ..rules.edit import RefactorError, derived_text
from ..rules.edit import delete_references as delete_from_parsed
from ..rules.errors import CrdsError
from ..rules.mappings import ReferenceMapping
from ..rules.parser import ParsedMapping, SelectorCall, parse_mapping_text
from .errors import GenerationError
from .placement import place_reference

ReadMapping = Callable[[str], str]
NameFor = Callable[[str], str]


@dataclass(frozen=True)
class Addition:
    """A reference to insert: its official ``name`` and the ``path`` its header is read from."""

    name: str
    path: str


@dataclass(frozen=True)
class Action:
    """One change to an rmap: ``reference`` inserted (``replaced`` None), put in place of
    ``replaced``, or deleted; ``match`` the Match keys of its row (each a string as written),
    ``useafter`` its UseAfter date ('' when the rmap has none)."""

    action: Literal["insert", "replace", "delete"]
    reference: str
    replaced: str | None
    match: tuple[str, ...]
    useafter: str

    def as_dict(self) -> dict[str, Any]:
        """The RESULT SHAPE of an action (``replaced`` '' when none, ``match`` a list)."""
        return {"action": self.action, "reference": self.reference,
                "replaced": self.replaced or "", "match": list(self.match),
                "useafter": self.useafter}


@dataclass
class RmapEdit:
    """An edited rmap (``parsed``; header unchanged, see :func:`.rules.edit.derived_text`),
    what was done, and the problems of references that could not be placed (their messages
    name them; those references are left out)."""

    parsed: ParsedMapping
    actions: list[Action] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RmapChange:
    """A new rmap ``new`` derived from ``old`` by ``actions`` (for submitted rmaps, no
    actions)."""

    old: str
    new: str
    actions: tuple[Action, ...]


@dataclass
class Generation:
    """The new mappings (``{name: text}`` in order rmaps, imaps, pmap), the new pmap's name,
    the rmap changes and the problems. With any error there are no mappings and
    ``new_context`` is ''."""

    mappings: dict[str, str] = field(default_factory=dict)
    new_context: str = ""
    changes: list[RmapChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---- one rmap ---------------------------------------------------------------------------------


def load_rmap(text: str, name: str) -> tuple[ParsedMapping, ReferenceMapping]:
    """The parsed rmap ``name`` and its rules object (checksum not checked); GenerationError
    when it cannot be loaded."""
    import opencrds.observatories  # noqa: F401  (registers the observatory conventions)

    from ..rules.loader import MappingLoader

    def no_children(child: str) -> str:
        raise GenerationError(f"'{name}' refers to mapping '{child}'")

    try:
        rmap = MappingLoader(no_children, ignore_checksum=True).from_text(text, name)
    except CrdsError as exc:
        raise GenerationError(f"Cannot load rmap '{name}': {exc}") from None
    if not isinstance(rmap, ReferenceMapping):
        raise GenerationError(f"'{name}' is not an rmap")
    return rmap.parsed, rmap


def _action(kind: Literal["insert", "replace", "delete"], parsed: ParsedMapping, name: str,
            replaced: str | None, path: Sequence[Any]) -> Action:
    """The action on ``name`` at ``path`` of rmap ``parsed`` (the UseAfter level, if any, is
    the last)."""
    classes = tuple(str(c) for c in parsed.header.get("classes", ("Match", "UseAfter")))
    dated = bool(classes) and classes[-1] == "UseAfter" and len(path) == len(classes)
    keys = path[:-1] if dated else path
    match = tuple(str(part) for key in keys
                  for part in (key if isinstance(key, tuple) else (key,)))
    return Action(kind, name, replaced, match, str(path[-1]) if dated else "")


def insert_references(rmap_text: str, rmap_name: str, additions: Iterable[Addition], *,
                      options: CertifyOptions | None = None) -> RmapEdit:
    """Insert each addition into the rmap, as ``crds refactor insert`` would.

    A reference that cannot be placed (unreadable header, a value the type does not allow,
    no USEAFTER) is an error naming it and is left out; so is every reference of a group
    that would replace each other (same match and USEAFTER): "each would replace the other".
    Raises :class:`GenerationError` when the rmap itself cannot be loaded.
    """
    from ..io import HeaderError, read_header

    parsed, rmap = load_rmap(rmap_text, rmap_name)
    edit = RmapEdit(parsed)
    slots: dict[tuple[Any, ...], list[Addition]] = {}
    placed: list[tuple[Addition, Any, Any]] = []
    for addition in additions:
        try:
            header = read_header(addition.path)
            trial = place_reference(rmap.parsed, rmap, addition.name, header, options=options)
        except (HeaderError, CrdsError) as exc:
            edit.errors.append(f"Failed inserting '{addition.name}' into '{rmap_name}': "
                               f"{exc}")
            continue
        key = tuple(repr(k) for k in trial.path)
        slots.setdefault(key, []).append(addition)
        placed.append((addition, header, key))
    for group in slots.values():
        if len(group) > 1:
            names = ", ".join(f"'{a.name}'" for a in group)
            edit.errors.append(f"References {names} have the same match parameters and "
                               f"USEAFTER in '{rmap_name}': each would replace the other")
    for addition, header, key in placed:
        if len(slots[key]) > 1:
            continue
        done = place_reference(edit.parsed, rmap, addition.name, header, options=options)
        edit.parsed = done.parsed
        kind: Literal["insert", "replace"] = "insert" if done.replaced is None else "replace"
        edit.actions.append(_action(kind, rmap.parsed, addition.name, done.replaced,
                                    done.path))
    missing = [a.name for a, _h, key in placed
               if len(slots[key]) == 1 and not any(_rows_of(edit.parsed.selector, a.name))]
    if missing:
        edit.errors.append(f"References {missing!r} are missing from the new '{rmap_name}'")
    return edit


def delete_references(rmap_text: str, rmap_name: str, names: Iterable[str]) -> RmapEdit:
    """Delete each reference of ``names`` from the rmap (rows left empty go too); a name the
    rmap does not have is an error naming it."""
    parsed, _ = load_rmap(rmap_text, rmap_name)
    edit = RmapEdit(parsed)
    for name in names:
        rows = list(_rows_of(parsed.selector, name))
        if not rows:
            edit.errors.append(f"Reference '{name}' is not in '{rmap_name}'")
            continue
        try:
            edit.parsed = delete_from_parsed(edit.parsed, [name])
        except RefactorError as exc:
            edit.errors.append(f"Failed deleting '{name}' from '{rmap_name}': {exc}")
            continue
        for path in rows:
            edit.actions.append(_action("delete", parsed, name, None, path))
    return edit


def _rows_of(node: Any, name: str, path: tuple[Any, ...] = ()) -> Iterable[tuple[Any, ...]]:
    """The selector paths at which ``name`` is a terminal."""
    if isinstance(node, SelectorCall):
        for key, value in node.entries.items():
            if isinstance(value, SelectorCall):
                yield from _rows_of(value, name, (*path, key))
            elif value == name:
                yield (*path, key)


# ---- a whole context --------------------------------------------------------------------------


def next_free_namer(existing: Iterable[str]) -> NameFor:
    """``name_for`` giving the next serial after the highest of each mapping family among
    ``existing``, the old name itself and the names it gave (``jwst_0541.pmap`` ->
    ``jwst_0542.pmap``). Names without a numeric serial (``jwst_na_omit.pmap``) are ignored;
    a family with none starts at ``_0001``."""
    from ..rules.naming import next_mapping_name

    taken = {str(name).rsplit("/", 1)[-1] for name in existing}

    def name_for(old: str) -> str:
        base = old.rsplit("/", 1)[-1]
        stem, _, ext = base.rpartition(".")
        family = re.sub(r"_\d+$", "", stem)
        serial = re.compile(rf"{re.escape(family)}_(\d+)\.{re.escape(ext)}")
        numbered = [n for n in (*taken, base) if serial.fullmatch(n)]
        last = max(numbered, key=lambda n: int(serial.fullmatch(n).group(1)),  # type: ignore[union-attr]
                   default=None)
        new = next_mapping_name(base, [last] if last else [], prefix="")
        taken.add(new)
        return new

    return name_for


def _context_entry(parsed: ParsedMapping, key: str) -> str | None:
    """The value of selector ``key`` (any case) of a pmap or imap."""
    if not isinstance(parsed.selector, dict):
        return None
    found = next((v for k, v in parsed.selector.items() if str(k).lower() == key.lower()), None)
    return found if isinstance(found, str) else None


class _Context:
    """The mappings of one context, read through ``read_mapping`` as needed."""

    def __init__(self, read_mapping: ReadMapping, name: str) -> None:
        self.read = read_mapping
        self.pmap = self.parsed(name)
        if not isinstance(self.pmap.selector, dict) or not name.endswith(".pmap"):
            raise GenerationError(f"'{name}' is not a pipeline context (.pmap)")
        self.observatory = str(self.pmap.header.get("observatory", "")).lower()

    def text(self, name: str) -> str:
        try:
            return self.read(name)
        except (OSError, KeyError, CrdsError) as exc:
            raise GenerationError(f"Cannot read mapping '{name}': {exc}") from None

    def parsed(self, name: str) -> ParsedMapping:
        try:
            return parse_mapping_text(self.text(name), name)
        except GenerationError:
            raise
        except Exception as exc:  # noqa: BLE001 - any parse error of a stored mapping
            raise GenerationError(f"Cannot parse mapping '{name}': {exc}") from None

    def rmap_name(self, instrument: str, filekind: str) -> str:
        """The rmap of (instrument, filekind); GenerationError when there is none."""
        imap_name = _context_entry(self.pmap, instrument)
        if imap_name is None or not imap_name.endswith(".imap"):
            raise GenerationError(f"Instrument '{instrument}' is not in '{self.pmap.filename}'")
        rmap_name = _context_entry(self.parsed(imap_name), filekind)
        if rmap_name is None or not rmap_name.endswith(".rmap"):
            raise GenerationError(f"Type '{filekind}' of instrument '{instrument}' has no "
                                  f"rmap in '{self.pmap.filename}' ('{imap_name}')")
        return rmap_name

    def rmap_names(self) -> list[str]:
        """Every rmap of the context."""
        names = []
        for imap in self.pmap.selector.values():
            if isinstance(imap, str) and imap.endswith(".imap"):
                selector = self.parsed(imap).selector
                names += [v for v in selector.values()
                          if isinstance(v, str) and v.endswith(".rmap")]
        return names


def generate(read_mapping: ReadMapping, context: str, *, additions: Sequence[Addition] = (),
             deletions: Sequence[str] = (), new_rmaps: Mapping[str, str] | None = None,
             name_for: NameFor, options: CertifyOptions | None = None) -> Generation:
    """The new rmaps, imaps and pmap of a delivery against pmap ``context``.

    ``additions`` are placed in the rmaps of their (instrument, type), told from their
    headers; ``deletions`` (reference names) are removed from the rmaps holding them;
    ``new_rmaps`` (``{name: text}``, already named) are taken as they are. Each edited rmap is
    named ``name_for(old rmap)`` with ``derived_from`` the old name and a fresh sha1sum; the
    imaps and pmap are derived the same way. Problems are collected in ``errors`` (then no
    names are asked of ``name_for`` and no mappings made); :class:`GenerationError` is
    raised only when the context cannot be read.
    """
    from .naming import identify_reference

    ctx = _Context(read_mapping, context)
    result = Generation()
    inserts: dict[str, list[Addition]] = {}
    for addition in additions:
        try:
            ident = identify_reference(addition.path, ctx.observatory,
                                       definitions_dirs=options.definitions_dirs
                                       if options else ())
            inserts.setdefault(ctx.rmap_name(ident.instrument, ident.filekind),
                               []).append(addition)
        except GenerationError as exc:
            result.errors.append(f"Cannot place '{addition.name}': {exc}")
    removals: dict[str, list[str]] = {}
    if deletions:
        holders = _holders(ctx, deletions)
        for name in deletions:
            if name not in holders:
                result.errors.append(f"Reference '{name}' is not in any rmap of '{context}'")
            else:
                removals.setdefault(holders[name], []).append(name)
    edits: dict[str, RmapEdit] = {}
    for rmap_name in dict.fromkeys([*inserts, *removals]):
        try:
            text = ctx.text(rmap_name)
            edit = insert_references(text, rmap_name, inserts.get(rmap_name, ()),
                                     options=options)
            if rmap_name in removals:
                removed = delete_references(derived_text(edit.parsed, rmap_name), rmap_name,
                                            removals[rmap_name])
                edit = RmapEdit(removed.parsed, edit.actions + removed.actions,
                                edit.errors + removed.errors)
        except GenerationError as exc:
            result.errors.append(str(exc))
            continue
        result.errors += edit.errors
        result.warnings += [f"'{a.reference}' is already in '{rmap_name}' at the same place: "
                            "it is put there again" for a in edit.actions
                            if a.action == "replace" and a.replaced == a.reference]
        edits[rmap_name] = edit
    slots: list[tuple[str, RmapSlot | Exception]] = []
    submitted = dict(new_rmaps or {})
    for name, text in submitted.items():
        try:
            slots.append((name, rmap_slot(name, text)))
        except Exception as exc:  # noqa: BLE001 - any parse error of a submitted rmap
            result.errors.append(f"Cannot read submitted rmap '{name}': {exc}")
    if result.errors:
        return result
    for old, edit in edits.items():
        new = name_for(old)
        result.mappings[new] = derived_text(edit.parsed, old, new)
        result.changes.append(RmapChange(old, new, tuple(edit.actions)))
        slots.append((new, rmap_slot(new, result.mappings[new])))
    for name, text in submitted.items():
        result.mappings[name] = text
        old = parse_mapping_text(text, name).header.get("derived_from", "")
        result.changes.append(RmapChange(str(old), name, ()))
    if not slots:
        result.errors.append("Nothing to deliver: no references or rmaps given")
        return result
    derived = derive_context(ctx.pmap, slots, ctx.parsed, name_for)
    for failure in derived.failures:
        result.errors.append(f"Cannot add '{failure.rmap}' to '{context}': {failure.error}")
    if result.errors:
        result.mappings.clear()
        return result
    pmap, *imaps = derived.mappings
    for mapping in (*imaps, pmap):
        result.mappings[mapping.name] = mapping.text
    result.new_context = pmap.name
    return result


def _holders(ctx: _Context, names: Sequence[str]) -> dict[str, str]:
    """``{reference: the rmap of the context holding it}`` for those of ``names`` found."""
    found: dict[str, str] = {}
    wanted = set(names)
    for rmap_name in ctx.rmap_names():
        text = ctx.text(rmap_name)
        for name in wanted - set(found):
            if f"'{name}'" in text and any(_rows_of(ctx.parsed(rmap_name).selector, name)):
                found[name] = rmap_name
        if len(found) == len(wanted):
            break
    return found

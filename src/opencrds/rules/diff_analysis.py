"""What a list of logical differences (:mod:`opencrds.rules.diff`) means (TOOLS.md §2.5).

Pure functions over difference tuples: their formatting for ``-L/-E/-Q``, the new files of
``-N/-A``, the affected instruments, types and modes, the ``-K`` warnings (the certify rules of
§5.1) and the ``--check-references`` warnings. Mappings are read through a
``load(name) -> ParsedMapping`` function only.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .diff import Difference, Loader
from .errors import CrdsError
from .naming import classify_name, is_mapping, newer, split_mapping_name
from .parser import SelectorCall

#: match parameters left out of ``--print-affected-modes`` (shown as INSTRUMENT/REFTYPE)
_MODE_SKIPPED = ("INSTRUME", "INSTRUMENT", "REFTYPE")
_NOT_FILES = ("N/A", "OMIT", "UNDEFINED")


# ---- the parts of a difference ---------------------------------------------------------------

def is_mapping_names(element: Any, size: int | None = None) -> bool:
    """True for a tuple of mapping names (paths allowed), of ``size`` items if given."""
    return (isinstance(element, tuple) and bool(element)
            and (size is None or len(element) == size)
            and all(isinstance(x, str) and is_mapping(os.path.basename(x)) for x in element))


def lowest_pair_index(diff: Difference) -> int:
    """Index of the last (old, new) mapping pair of ``diff``; 0 if there is none."""
    indices = [i for i, e in enumerate(diff[:-1]) if is_mapping_names(e, 2)]
    return indices[-1] if indices else 0


def mapping_pairs(diff: Difference) -> list[tuple[str, str]]:
    """The (old, new) mapping pairs of ``diff``, top first."""
    return [e for e in diff[:-1] if is_mapping_names(e, 2)]


def message_words(diff: Difference) -> tuple[str, str | None, str | None]:
    """``(verb, first name, second name)`` of the message: ``replaced X with Y`` ->
    ('replaced', X, Y); ``added terminal X`` / ``added Match rule for X`` / ``added X`` ->
    ('added', X, None); anything else -> (first word, None, None)."""
    message = str(diff[-1])
    words = message.split()
    if not words:
        return "", None, None
    verb = words[0]
    if verb == "replaced" and len(words) == 4 and words[2] == "with":
        return verb, words[1], words[3]
    if verb in ("added", "deleted"):
        return verb, words[-1].strip("'"), None
    return verb, None, None


# ---- formatting: -L, -E, -Q -----------------------------------------------------------------

def lowest_mapping_only(diff: Difference) -> Difference:
    """``-L``: drop the mapping pairs above the lowest one."""
    return diff[lowest_pair_index(diff):]


def remove_paths(diff: Difference) -> Difference:
    """``-E``: mapping names without their directories."""
    return tuple(tuple(os.path.basename(x) for x in e) if is_mapping_names(e) else e
                 for e in diff)


def squash(diff: Difference) -> str:
    """``-Q``: ``a b -- key values -- message``, without tuple notation."""
    return " -- ".join(" ".join(map(str, e)) if isinstance(e, tuple) else str(e) for e in diff)


# ---- new files: -N, -A ----------------------------------------------------------------------

def _is_file(name: str | None) -> bool:
    return bool(name) and str(name).upper() not in _NOT_FILES


def new_files(old: str, new: str, load: Loader) -> dict[str, tuple[str, str]]:
    """``-N``: the files of mapping ``new`` (itself, the mappings below it and their
    references) that ``old`` does not have, each with the (instrument, filekind) it belongs to
    (lower case, '' when unknown)."""
    old_files = mapping_files(old, load)
    return {name: properties for name, properties in file_owners(new, load).items()
            if name not in old_files}


def file_owners(name: str, load: Loader) -> dict[str, tuple[str, str]]:
    """Basename -> (instrument, filekind) for mapping ``name``, the mappings below it and
    their references (a reference takes the properties of its rmap)."""
    mapping = load(name)
    properties = _mapping_type(name, mapping.header)
    found = {os.path.basename(name): properties}
    if isinstance(mapping.selector, SelectorCall):
        found.update(dict.fromkeys(sorted(_selector_references(mapping.selector)), properties))
    elif isinstance(mapping.selector, dict):
        for child in mapping.selector.values():
            if isinstance(child, str) and is_mapping(child):
                for key, value in file_owners(child, load).items():
                    found.setdefault(key, value)
    return found


def mapping_files(name: str, load: Loader) -> set[str]:
    """The basenames of mapping ``name``, the mappings below it and their references."""
    return set(file_owners(name, load))


def _mapping_type(name: str, header: dict[str, Any]) -> tuple[str, str]:
    instrument, filekind = mapping_properties(os.path.basename(name))
    return (instrument or str(header.get("instrument", "")).lower(),
            filekind or str(header.get("filekind", "")).lower())


def mapping_properties(name: str) -> tuple[str, str]:
    """(instrument, filekind) of a mapping from its name, '' for unknown parts."""
    try:
        parts = split_mapping_name(name)
    except ValueError:
        return "", ""
    return parts.instrument or "", parts.filekind or ""


def split_new_files(names: Iterable[str]) -> list[str]:
    """Mappings (sorted) then references (sorted)."""
    names = set(names)
    return sorted(n for n in names if is_mapping(n)) + sorted(n for n in names if not is_mapping(n))


# ---- affected instruments, types and modes ---------------------------------------------------

def affected_types(diffs: Iterable[Difference], load: Loader) -> list[tuple[str, str]]:
    """Sorted (instrument, filekind) pairs changed: the lowest rmap pair of each difference,
    or the rmap an imap-level difference adds or deletes (a replaced rmap counts only through
    its own differences)."""
    found: set[tuple[str, str]] = set()
    for diff in diffs:
        pairs = mapping_pairs(diff)
        name = pairs[-1][1] if pairs else ""
        if not name.endswith(".rmap"):
            verb, first, _ = message_words(diff)
            name = first if verb in ("deleted", "added") and first else ""
        if name.endswith(".rmap"):
            found.add(_rmap_type(name, load))
    return sorted(t for t in found if all(t))


def _rmap_type(name: str, load: Loader) -> tuple[str, str]:
    instrument, filekind = mapping_properties(os.path.basename(name))
    if not (instrument and filekind):
        try:
            header = load(name).header
        except (CrdsError, OSError):
            return instrument, filekind
        instrument = str(header.get("instrument", "")).lower()
        filekind = str(header.get("filekind", "")).lower()
    return instrument, filekind


def affected_instruments(types: Iterable[tuple[str, str]]) -> list[str]:
    """Sorted instruments of ``types``."""
    return sorted({instrument for instrument, _ in types})


def _first_parkeys(header: dict[str, Any]) -> tuple[str, ...]:
    parkey = header.get("parkey", ())
    if parkey and isinstance(parkey[0], tuple):
        parkey = parkey[0]
    return tuple(str(p) for p in parkey)


def affected_modes(diffs: Iterable[Difference], load: Loader) -> list[str]:
    """``--print-affected-modes`` lines: ``INSTRUMENT='..' REFTYPE='..' <parkey>='..' ...
    DIFF_COUNT='n'`` for each distinct first-level match key of the lowest mapping of the
    differences, sorted. Instrument and type parameters are not repeated; empty modes are
    left out."""
    counts: Counter[tuple[tuple[str, str], ...]] = Counter()
    for diff in diffs:
        index = lowest_pair_index(diff)
        if not is_mapping_names(diff[index], 2) or index + 1 >= len(diff) - 1:
            continue
        key = diff[index + 1]
        if not isinstance(key, tuple):
            continue
        header = load(diff[index][1]).header
        items = tuple((p.upper(), str(v)) for p, v in zip(_first_parkeys(header), key, strict=False)
                      if p.upper() not in _MODE_SKIPPED)
        if not items:
            continue
        prefix = tuple((label, str(header[field]).upper())
                       for label, field in (("INSTRUMENT", "instrument"), ("REFTYPE", "filekind"))
                       if header.get(field))
        counts[prefix + items] += 1
    return sorted(" ".join(f"{k}={v!r}" for k, v in (*mode, ("DIFF_COUNT", str(n))))
                  for mode, n in counts.items())


# ---- -K and --check-references ----------------------------------------------------------------

def check_diffs(diffs: Iterable[Difference]) -> list[str]:
    """``-K`` warnings (certify's rules, TOOLS.md §5.1): rule additions, then rule deletions,
    then deletions, reversions, unusual replacements and parameter list changes."""
    added: list[str] = []
    deleted: list[str] = []
    others: list[str] = []
    for diff in diffs:
        index = lowest_pair_index(diff)
        new_name = diff[index][1] if is_mapping_names(diff[index], 2) else ""
        at = (new_name, *diff[index + 1:-1])
        message = str(diff[-1])
        verb, first, second = message_words(diff)
        if message.startswith(("added Match rule for", "deleted Match rule for")):
            target = added if verb == "added" else deleted
            target.append(f"Rule change at {at!r} {verb} Match rule for {first!r}")
        elif message.startswith("deleted terminal"):
            others.append(f"Deletion at {at!r} deleted terminal {first!r}")
        elif verb == "deleted" and first:
            others.append(f"Deletion at {at!r} deleted {first!r}")
        elif message.startswith("replaced ") and "Selector(" in message:
            match = re.fullmatch(r"replaced (.+?) with (.+)", message)
            if match:
                old, new = (_selector_repr(x) for x in match.groups())
                others.append(f"Unusual replacement {at!r} replaced {old} with {new}")
        elif verb == "replaced" and first and second:
            others.extend(_replacement(at, first, second))
        elif message.startswith("different parameter lists"):
            lists = message.split("  ", 1)[-1].split(" : ")
            old, new = (_names_tuple(text) for text in lists)
            others.append(f"Different lookup parameters {at!r} different parameter lists  "
                          f"{old!r} : {new!r}")
        elif message.startswith("different classes"):
            others.append(f"Different classes {at!r} {message}")
    return added + deleted + others


def _names_tuple(text: str) -> tuple[str, ...]:
    """``(A, B)`` -> ('A', 'B')."""
    return tuple(x.strip() for x in text.strip().strip("()").split(",") if x.strip())


def _selector_repr(text: str) -> str:
    """A replaced value as certify prints it: quoted names, selectors with quoted parkeys."""
    match = re.fullmatch(r"(\w+Selector)\((\(.*\)), nselections=(\d+)\)", text)
    if match:
        return f"{match[1]}({_names_tuple(match[2])!r}, nselections={match[3]})"
    return repr(text)


_OLD_CDBS_NAME = re.compile(r"[a-z0-9]{9}_[a-z0-9]+\.\w+", re.IGNORECASE)


def _replacement(at: tuple[Any, ...], old: str, new: str) -> list[str]:
    """A ``Reversion`` warning when ``new`` is not newer than ``old``; a ``Failed to classify``
    one when a name follows no known naming convention."""
    for name in (old, new):
        base = os.path.basename(name)
        if name.upper() != "N/A" and classify_name(base) == "oldcdbs" \
                and not _OLD_CDBS_NAME.fullmatch(base):
            return [f"Failed to classify name {base!r} for determining time order."]
    try:
        if newer(new, old):
            return []
    except ValueError:  # names that cannot be ordered: not reported
        return []
    return [f"Reversion at {at!r} replaced {old!r} with {new!r}"]


def mapping_references(name: str, load: Loader, _memo: dict[str, frozenset[str]] | None = None
                       ) -> frozenset[str]:
    """Every reference named below mapping ``name`` (no N/A)."""
    memo = {} if _memo is None else _memo
    if name not in memo:
        mapping = load(name)
        found: set[str] = set()
        if isinstance(mapping.selector, SelectorCall):
            found |= _selector_references(mapping.selector)
        elif isinstance(mapping.selector, dict):
            for child in mapping.selector.values():
                if isinstance(child, str) and is_mapping(child):
                    found |= mapping_references(child, load, memo)
        memo[name] = frozenset(found)
    return memo[name]


def _selector_references(value: Any) -> set[str]:
    if isinstance(value, SelectorCall):
        return set().union(*(_selector_references(v) for v in value.entries.values()))
    if isinstance(value, tuple):
        return set().union(*(_selector_references(v) for v in value))
    if isinstance(value, str) and _is_file(value):
        return {value}
    return set()


def reference_changes(diffs: Iterable[Difference], load: Loader) -> list[str]:
    """``--check-references`` warnings: references deleted from, then added to, each changed
    mapping pair, top-down."""
    chains: set[tuple[tuple[str, str], ...]] = set()
    for diff in diffs:
        pairs = mapping_pairs(diff)
        chains.update(tuple(pairs[:i + 1]) for i in range(len(pairs)))
    memo: dict[str, frozenset[str]] = {}
    warnings: list[str] = []
    for chain in sorted(chains):
        old, new = chain[-1]
        old_refs, new_refs = mapping_references(old, load, memo), mapping_references(new, load, memo)
        for label, names in (("Deleted", old_refs - new_refs), ("Added", new_refs - old_refs)):
            if names:
                warnings.append(f"{label} references for {old!r} and {new!r} = {sorted(names)!r}")
    return warnings

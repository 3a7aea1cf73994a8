"""What the context tables show (SERVER.md §1.5): per instrument of a .pmap, its .imap and
one entry per reference type (description, .rmap, rules), and the rules of each .rmap.

Mappings never change, so their structure and rules are kept by name for the life of the
process; the HTML of an instrument's tables also shows catalog activation dates, so it is kept
per catalog revision.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

from ...catalog import contexts, queries
from ...catalog.models import FileRecord
from ...catalog.revision_cache import REVISION_CHECK_SECONDS, cache
from .rules_table import NA_VALUES, RulesTable, rules_table
from .type_info import type_description


@dataclass(frozen=True)
class TypeEntry:
    """One reference type of an instrument: its .rmap (or N/A) and how many rules it has."""

    filekind: str
    description: str
    rmap: str
    rules: int
    references: int

    @property
    def has_rmap(self) -> bool:
        return self.rmap.endswith(".rmap")


@dataclass(frozen=True)
class InstrumentEntry:
    """One instrument of a .pmap: its .imap and its types, sorted by name."""

    name: str
    imap: str
    types: tuple[TypeEntry, ...]

    @property
    def rules(self) -> int:
        return sum(t.rules for t in self.types)

    @property
    def has_imap(self) -> bool:
        return self.imap.endswith(".imap")


def _selector(name: str) -> dict[str, str]:
    return dict(getattr(contexts.loader().load(name), "selector", {}))


@functools.lru_cache(maxsize=4096)
def _rules(observatory: str, rmap: str) -> RulesTable:
    mapping = contexts.loader(observatory).load(rmap)
    return rules_table(rmap, mapping.parkey, mapping.parsed.selector)


def rules(rmap: str) -> RulesTable:
    """The rules of ``rmap`` as rows (kept for the process: mappings never change)."""
    return _rules(queries.server_observatory(), rmap)


@functools.lru_cache(maxsize=512)
def _instrument(observatory: str, instrument: str, imap: str) -> InstrumentEntry:
    if not imap.endswith(".imap"):
        return InstrumentEntry(instrument, imap, ())
    types = []
    for filekind, rmap in sorted(_selector(imap).items(), key=lambda item: item[0].lower()):
        table = _rules(observatory, rmap) if rmap.endswith(".rmap") else None
        types.append(TypeEntry(filekind.lower(),
                               type_description(observatory, instrument, filekind), rmap,
                               len(table.rows) if table else 0,
                               table.reference_count if table else 0))
    return InstrumentEntry(instrument, imap, tuple(types))


def instruments(pmap: str) -> list[InstrumentEntry]:
    """The instruments of ``pmap`` (checked against the catalog: errors of
    :func:`~...catalog.contexts.load`), sorted by name."""
    observatory = queries.server_observatory()
    contexts.load(pmap)
    return [_instrument(observatory, name.lower(), imap)
            for name, imap in sorted(_selector(pmap).items(), key=lambda item: item[0].lower())]


def instrument(pmap: str, name: str) -> InstrumentEntry | None:
    """One instrument of ``pmap`` by (case-insensitive) name, None if it has none."""
    for entry in instruments(pmap):
        if entry.name == name.lower():
            return entry
    return None


def activation_dates(names: set[str]) -> dict[str, str]:
    """``{reference: activation date as CRDS prints it}`` for those of ``names`` catalogued."""
    observatory = queries.server_observatory()
    found: dict[str, str] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        rows = (FileRecord.objects.filter(observatory=observatory,
                                          name__in=ordered[start:start + 500])
                .values_list("name", "activation_date"))
        found.update((name, queries.format_date(date)) for name, date in rows)
    return found


# ---- HTML of an instrument's rules tables (built once per catalog revision) ------------------

#: HTML-escape, memoized: table cells repeat the same values thousands of times.
escape = functools.lru_cache(maxsize=65536)(html.escape)


def _reference_cell(references: tuple[str, ...]) -> str:
    parts = []
    for ref in references:
        if ref in NA_VALUES:
            parts.append(escape(ref))
        else:
            parts.append(f'<a href="/browse/{escape(ref)}">{escape(ref)}</a>')
    return "<br>".join(parts)


def _diff_cell(references: tuple[str, ...]) -> str:
    boxes = [f'<label><input type="checkbox" name="file" value="{escape(ref)}">'
             f'<span class="sr-only">compare {escape(ref)}</span></label>'
             for ref in references if ref not in NA_VALUES]
    return "".join(boxes)


def _table_html(entry: TypeEntry, instrument: str, activated: dict[str, str]) -> str:
    table = _rules(queries.server_observatory(), entry.rmap)
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in table.columns)
    lines = [f'<form class="diff-select" method="get" action="/difference/">'
             f'<div class="table-wrap"><table class="data rules" id="rules_{escape(instrument)}'
             f'_{escape(entry.filekind)}" data-rmap="{escape(entry.rmap)}"><thead><tr>{head}'
             '<th scope="col">USEAFTER</th><th scope="col">ACTIVATION DATE</th>'
             '<th scope="col">REFERENCE</th>'
             '<th scope="col"><button type="submit" title="difference of the two files checked">'
             'diff</button></th></tr></thead><tbody>']
    for row in table.rows:
        cells = "".join(f"<td>{escape(value)}</td>" for value in row.values)
        if row.is_na:
            lines.append(f'<tr class="na-row">{cells}<td>{escape(row.useafter) or "--"}</td>'
                         f"<td>--</td><td>{_reference_cell(row.references)}</td><td></td></tr>")
            continue
        activation = ", ".join(activated.get(ref, "N/A") for ref in row.references)
        lines.append(f"<tr>{cells}<td>{escape(row.useafter)}</td><td>{escape(activation)}</td>"
                     f'<td class="reference">{_reference_cell(row.references)}</td>'
                     f"<td>{_diff_cell(row.references)}</td></tr>")
    lines.append("</tbody></table></div></form>")
    return "".join(lines)


def _type_html(entry: TypeEntry, instrument: str, activated: dict[str, str]) -> str:
    state = "has-refs" if entry.references else "no-refs"
    summary = (f'<summary><span class="{state}">{escape(entry.filekind)} ---- '
               f'{escape(entry.description) or "(no description)"}</span>'
               f' <span class="count">({entry.rules} rules)</span></summary>')
    if not entry.has_rmap:
        body = f'<p class="na">No rules: {escape(entry.rmap)}.</p>'
    else:
        body = (f'<p>Rules: <a href="/browse/{escape(entry.rmap)}">{escape(entry.rmap)}</a></p>'
                + _table_html(entry, instrument, activated))
    return (f'<details class="reftype" id="type_{escape(instrument)}_{escape(entry.filekind)}">'
            f"{summary}{body}</details>")


def _instrument_html(entry: InstrumentEntry) -> str:
    observatory = queries.server_observatory()
    names = {ref for t in entry.types if t.has_rmap
             for ref in _rules(observatory, t.rmap).reference_name_set()}
    activated = activation_dates(names)
    return "".join(_type_html(t, entry.name, activated) for t in entry.types)


@functools.lru_cache(maxsize=24)
def _kept_html(observatory: str, revision: int, entry: InstrumentEntry) -> str:
    return _instrument_html(entry)


def instrument_html(entry: InstrumentEntry) -> str:
    """The type accordions and rules tables of one instrument (HTML of up to a megabyte: the
    last few built are kept, for the catalog revision they show)."""
    observatory = queries.server_observatory()
    revision = cache.revision(observatory, max_age=REVISION_CHECK_SECONDS).number
    return _kept_html(observatory, revision, entry)

"""``opencrds certify --coverage``: uncovered modes, unreachable rows and overlapping rows of
rmaps (or of every rmap of a context), printed as tables with ``rich``.

With ``--definitions DIR`` the valid values of each parameter in the observatory's .tpn files
join the value space (and close it: no ``<other>``).

Exit status: the number of rmaps with findings plus the mappings that failed to load (at most
255), so 0 means no issues.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from ...certify.context import CertifyOptions, definition_for
from ...client.contexts import load_context
from ...rules.coverage import ContextCoverage, RmapCoverage, mapping_coverage
from ...rules.naming import is_mapping

log = logging.getLogger("opencrds.certify")

LIMIT = 20  #: findings of each kind listed per rmap; the rest are counted
_WIDTH = 400  #: widest table when stdout is not a terminal
_SHOWN = 8  #: values of one column shown in an uncovered mode


def run_coverage(args: argparse.Namespace) -> int:
    """Load each mapping argument and print its coverage tables; return the issue count."""
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else _WIDTH,
                      highlight=False, soft_wrap=False)
    problems = 0
    definitions = tuple(getattr(args, "definitions", None) or ())
    for name in args.files:
        report = coverage_of(name, getattr(args, "cache", None), definitions)
        if report is None:
            problems += 1
            continue
        print_report(console, report)
        problems += len(report.errors) + sum(1 for r in report.rmaps if r.issues)
    return min(problems, 255)


def coverage_of(name: str, cache: str | None, definitions: tuple[str, ...] = ()
                ) -> ContextCoverage | None:
    """The coverage of mapping ``name`` (a path, or a name in the cache); None after logging
    why it cannot be loaded. With observatory ``definitions`` directories, the .tpn valid
    values of each Match parameter join its value space."""
    if not is_mapping(name):
        log.error("Coverage of %r : not a .pmap, .imap or .rmap", name)
        return None
    try:
        mapping = load_context(name, cache=cache, ignore_checksum=True)
    except Exception as exc:  # noqa: BLE001 - one bad input, the others go on
        log.error("Coverage of %r : cannot load it : %s", name, exc)
        return None
    spaces = (lambda rmap: tpn_values(rmap, definitions)) if definitions else None
    return mapping_coverage(mapping, spaces)


def tpn_values(rmap: Any, definitions: tuple[str, ...]) -> dict[str, list[str]]:
    """``{parameter: valid values}`` from the rmap type's _ld.tpn, for its Match parameters
    with a plain list of values (no expressions, ranges, wildcards or ``&`` validators)."""
    definition = definition_for(rmap.observatory, CertifyOptions(definitions_dirs=definitions))
    if definition is None:
        return {}
    wanted = {str(p).upper() for p in (rmap.parkey[0] if rmap.parkey else ())}
    found: dict[str, list[str]] = {}
    for constraint in definition.constraints_for(rmap.instrument, rmap.filekind, "ld_tpn"):
        name, values = constraint.name.upper(), list(constraint.values)
        if (name not in wanted or constraint.keytype_code not in "HC" or constraint.expression
                or not values or values[0].startswith("&") or any("*" in v for v in values)
                or (len(values) == 1 and ":" in values[0])):
            continue
        found[name] = values
    return found


def print_report(console: Console, report: ContextCoverage) -> None:
    """A summary table for contexts, then one section per rmap."""
    if len(report.rmaps) > 1 or report.errors:
        console.print(_summary(report))
    for name, message in report.errors:
        console.print(f"ERROR {name}: {message}")
    for rmap in report.rmaps:
        _section(console, rmap)


def _summary(report: ContextCoverage) -> Table:
    table = Table(title=f"Coverage of {report.name}", title_justify="left")
    for heading in ("rmap", "rows", "modes", "not applicable", "uncovered", "unreachable",
                    "overlaps", "not enumerated"):
        table.add_column(heading, justify="left" if heading == "rmap" else "right")
    for rmap in report.rmaps:
        table.add_row(rmap.name, str(rmap.rows), str(rmap.combinations),
                      str(rmap.not_applicable),
                      f"{rmap.uncovered_total} ({rmap.uncovered_combinations} modes)",
                      str(len(rmap.unreachable)), str(rmap.overlaps_total),
                      str(rmap.not_enumerated))
    return table


def _section(console: Console, rmap: RmapCoverage) -> None:
    head = (f"{rmap.name}: {rmap.rows} rows, {rmap.combinations} modes, "
            f"{rmap.uncovered_total} uncovered ({rmap.uncovered_combinations} modes), "
            f"{len(rmap.unreachable)} unreachable rows, {rmap.overlaps_total} overlaps")
    console.print()
    if rmap.not_applicable:
        head += f" ({rmap.not_applicable} modes not applicable by rmap_relevance/rmap_omit)"
    console.print(head)
    for note in rmap.notes:
        console.print(f"  note: {note}")
    if not rmap.issues:
        console.print("  no issues")
        return
    table = Table(show_lines=False)
    table.add_column("finding")
    for parameter in rmap.parameters:
        table.add_column(parameter)
    table.add_column("detail")
    _add(table, "uncovered", rmap.uncovered, lambda m: (
        [_values(v) for v in m.values], f"{m.reason}; {m.combinations} modes"),
        rmap.uncovered_total)
    _add(table, "unreachable", rmap.unreachable, lambda r: (
        list(r.key), r.reason + (f" {', '.join(map(_key, r.shadowed_by))}"
                                 if r.shadowed_by else "")), len(rmap.unreachable))
    for overlap in rmap.overlaps[:LIMIT]:
        table.add_row("overlap", *overlap.first, f"ties with the next row ({overlap.outcome})")
        table.add_row("", *overlap.second, f"e.g. {_key(overlap.example)}")
    _more(table, "overlap", rmap.overlaps_total)
    console.print(table)


def _add(table: Table, kind: str, items: list[Any], cells: Any, total: int) -> None:
    for item in items[:LIMIT]:
        values, detail = cells(item)
        table.add_row(kind, *values, detail)
    _more(table, kind, total)


def _more(table: Table, kind: str, total: int) -> None:
    if total > LIMIT:
        table.add_row(kind, *[""] * (len(table.columns) - 2), f"... {total - LIMIT} more")


def _values(values: Iterable[str] | None) -> str:
    if values is None:
        return "*"
    values = [v if v else "''" for v in values]
    more = f"|...(+{len(values) - _SHOWN})" if len(values) > _SHOWN else ""
    return "|".join(values[:_SHOWN]) + more


def _key(key: Iterable[str]) -> str:
    return "(" + ", ".join(v if v else "''" for v in key) + ")"


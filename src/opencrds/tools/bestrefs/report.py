"""What ``opencrds bestrefs`` prints after processing (TOOLS.md §6.3): result lines on stdout,
counts, affected products, result tables, statistics and the closing summary."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pprint import pformat
from typing import Any

from ..common import count, log, log_times
from .compare import Outcome


def print_new_references(outcomes: Iterable[Outcome]) -> None:
    """``<id> <instrument> <type> <old|none> <new>`` per update, lower case."""
    write = sys.stdout.write
    for out in outcomes:
        head = f"{out.name.lower()} {out.instrument.lower()}"
        for reftype, old, new in out.updates:
            write(f"{head} {reftype} {'none' if old is None else old} {new}\n")


def log_update_counts(outcomes: Iterable[Outcome]) -> None:
    """INFO ``Updated exposure counts:`` and ``{INSTRUMENT: {type: count}}``."""
    counts: dict[str, dict[str, int]] = {}
    for out in outcomes:
        per_type = counts.setdefault(out.instrument, {}) if out.updates else None
        for reftype, _old, _new in out.updates:
            assert per_type is not None
            per_type[reftype] = per_type.get(reftype, 0) + 1
    log.info("Updated exposure counts:\n %s", pformat(counts))


def affected_products(outcomes: Iterable[Outcome]) -> list[str]:
    """Product ids (before the first ``:``, lower case) of datasets with updates and no
    failed lookups, sorted."""
    return sorted({out.name.split(":", 1)[0].lower()
                   for out in outcomes if out.updates and not out.failed})


def print_affected(outcomes: Iterable[Outcome]) -> None:
    """INFO ``Affected products = N``, then the product ids on stdout."""
    products = affected_products(outcomes)
    log.info("Affected products = %d", len(products))
    sys.stdout.write("".join(f"{product}\n" for product in products))


def print_affected_details(outcomes: Iterable[Outcome]) -> None:
    """``<id> <instrument> <types...>`` for each dataset with updates, lower case."""
    for out in outcomes:
        if out.updates:
            types = " ".join(sorted({reftype for reftype, _o, _n in out.updates}))
            sys.stdout.write(f"{out.name.lower()} {out.instrument.lower()} {types}\n")


# ---- full results ---------------------------------------------------------------------------

def print_results(outcomes: Sequence[Outcome], form: str, context_name: str) -> None:
    """Every result on stdout: JSON ``{dataset_id: {type: result}}``, or a table."""
    kept = [out for out in outcomes if out.results is not None]
    if form == "json":
        data = {out.name: out.results for out in kept}
        json.dump(data, sys.stdout, indent=2, sort_keys=True, default=list)
        sys.stdout.write("\n")
    else:
        _print_table(kept, context_name)


def _cell(value: Any) -> Any:
    from rich.text import Text

    if not isinstance(value, str):
        return Text(json.dumps(value, default=list))
    upper = value.strip().upper()
    if upper.startswith("NOT FOUND N/A") or upper == "N/A":
        return Text("N/A", style="dim")
    if upper.startswith("NOT FOUND"):
        no_match = upper.startswith("NOT FOUND NO MATCH FOUND")
        return Text(value, style="dim" if no_match else "bold red")
    return Text(value.rsplit("$", 1)[-1], style="dim" if upper in ("UNDEFINED", "NONE") else "")


def _print_table(outcomes: Sequence[Outcome], context_name: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # On a terminal the table fits its width (long names fold); elsewhere (files, pipes) it
    # takes its natural width, so that names are never folded or cut, whatever $COLUMNS says.
    tty = sys.stdout.isatty()
    console = Console(file=sys.stdout, width=None if tty else 100_000, highlight=False)
    table = Table(title=f"Best references under {context_name}", title_justify="left")
    table.add_column("dataset", no_wrap=True)
    table.add_column("instrument", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("best reference", overflow="fold")
    for number, out in enumerate(outcomes):
        if number:
            table.add_section()
        for row, (reftype, value) in enumerate((out.results or {}).items()):
            table.add_row(Text(out.name if row == 0 else ""),
                          Text(out.instrument.lower() if row == 0 else ""), Text(reftype),
                          _cell(value))
    console.print(table)


# ---- statistics and summary -----------------------------------------------------------------

def log_stats(started: datetime, stopped: datetime, datasets: int) -> None:
    """``--stats``: STARTED, STOPPED, ELAPSED and the dataset rate (CRDS layout)."""
    seconds = log_times(started, stopped)
    if datasets:
        log.info("%7d datasets at %6.1f  datasets-per-second", datasets, datasets / seconds)


def log_summary(suppressed_errors: int = 0) -> int:
    """The closing ``N errors`` / ``N warnings`` / ``N infos`` lines; returns the error count.

    The counts are taken before these lines are logged, as ``crds bestrefs`` 14.0.3 does
    (``3 infos`` after three INFO lines); errors suppressed by ``--max-errors-per-class`` count.
    """
    errors = count("ERROR") + suppressed_errors
    warnings, infos = count("WARNING"), count("INFO")
    log.info("%d errors", errors)
    log.info("%d warnings", warnings)
    log.info("%d infos", infos)
    return errors


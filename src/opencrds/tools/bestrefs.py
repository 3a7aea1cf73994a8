"""``opencrds bestrefs``: best references for dataset headers under a context (TOOLS.md §2.1, §6).

For now the headers come from a JSON file ``{dataset_id: {keyword: value}}`` (data-model
``META.*`` names or FITS keywords); the full CRDS option set comes later.

Results go to stdout (a table, or JSON ``{dataset_id: {type: result}}``); messages go to stderr.
Results are judged as ``crds bestrefs`` judges them without comparison switches (TOOLS.md §6.2):
``NOT FOUND n/a`` is N/A; ``NOT FOUND No match found.``, ``UNDEFINED``, ``NONE``, ``""`` and
``*`` are treated as N/A too; any other ``NOT FOUND <reason>`` is an error
``New: Bestref FAILED: <reason>``. Exit status 0 without errors, 1 with any.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..rules.errors import CrdsError
from .common import ToolError, count, log, log_summary

#: Results that ``crds bestrefs`` treats as N/A unless ``--undefined-differences-matter``.
_UNDEFINED_LIKE = {"UNDEFINED", "NONE", "", "*", "N/A"}
_INSTRUMENT_KEYS = ("META.INSTRUMENT.NAME", "INSTRUME", "INSTRUMENT")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds bestrefs``."""
    parser.add_argument(
        "-n", "--new-context", required=True, metavar="CONTEXT",
        help="pipeline context to compute best references with, e.g. jwst_0541.pmap: a name is "
             "looked up in the cache, a path is read from that file (its children from the "
             "same directory first)")
    parser.add_argument(
        "--cache", metavar="DIR",
        help="root of a CRDS cache (default: $CRDS_PATH and the other CRDS_* variables)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--headers", metavar="FILE.json", dest="headers",
        help="JSON file of dataset headers, {dataset_id: {keyword: value}} (one such object "
             "per line is accepted too)")
    source.add_argument(
        "--datasets-json", metavar="FILE", dest="headers",
        help="same as --headers")
    parser.add_argument(
        "-t", "--types", nargs="+", metavar="TYPE",
        help="only these reference types (default: every type of the dataset's instrument)")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table",
        help="output format on stdout (default: table)")


# ---- input --------------------------------------------------------------------------------

def load_headers(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """``{dataset_id: header}`` from a JSON file: one object, or one object per line."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolError(f"cannot read headers file '{name}': {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ToolError(f"headers file '{name}' is not UTF-8 text: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        data = _json_lines(text)
        if data is None:
            raise ToolError(f"headers file '{name}' is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ToolError(f"headers file '{name}' must hold a JSON object "
                        f"{{dataset_id: {{keyword: value}}}}, not {_json_type(data)}")
    for dataset_id, header in data.items():
        if not isinstance(header, dict):
            raise ToolError(f"headers file '{name}': the header of dataset '{dataset_id}' must "
                            f"be a JSON object {{keyword: value}}, not {_json_type(header)}")
    return data


def _json_lines(text: str) -> dict[str, Any] | None:
    """One JSON object per non-blank line, merged; None if any line is not a JSON object."""
    merged: dict[str, Any] = {}
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    for line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return None
        if not isinstance(item, dict):
            return None
        merged.update(item)
    return merged


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def instrument_of(header: Mapping[str, Any]) -> str:
    """The instrument named by a header, upper case, for messages ('UNKNOWN' if none)."""
    upper = {str(key).upper(): value for key, value in header.items()}
    for key in _INSTRUMENT_KEYS:
        if upper.get(key) not in (None, ""):
            return str(upper[key]).upper()
    return "UNKNOWN"


# ---- judging results ----------------------------------------------------------------------

def failure_reason(value: Any) -> str | None:
    """The reason text of a failed lookup, or None when ``value`` is a reference or N/A."""
    if not isinstance(value, str):
        return None  # tuples and dicts are results of special rmaps
    text = value.strip()
    if text.upper().startswith("NOT FOUND"):
        reason = text[len("NOT FOUND"):].strip()
        if reason.upper().startswith("N/A") or reason.lower().startswith("no match found"):
            return None
        return value.lstrip()[len("NOT FOUND"):]
    return None


def is_na(value: Any) -> bool:
    """True for results shown as N/A: natural N/A, no match and undefined values."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.upper() in _UNDEFINED_LIKE:
        return True
    return text.upper().startswith("NOT FOUND") and failure_reason(value) is None


# ---- running ------------------------------------------------------------------------------

def compute(context: Any, headers: Mapping[str, Mapping[str, Any]],
            types: list[str] | None) -> dict[str, dict[str, Any]]:
    """Best references per dataset (sorted by id), logging an ERROR for each failure."""
    import opencrds

    results: dict[str, dict[str, Any]] = {}
    for dataset_id in sorted(headers):
        header = headers[dataset_id]
        instrument = instrument_of(header)
        log.debug("===> Processing %s", dataset_id)
        try:
            refs = opencrds.get_best_references(context, header, include=types)
        except CrdsError as exc:
            log.error("Failed processing %r : %s", dataset_id, exc)
            continue
        results[dataset_id] = dict(sorted(refs.items()))
        for reftype, value in results[dataset_id].items():
            reason = failure_reason(value)
            if reason is not None:
                log.error("instrument=%r type=%r data=%r ::  New: Bestref FAILED: %s",
                          instrument, reftype.upper(), dataset_id, reason)
            else:
                log.debug("instrument=%r type=%r data=%r ::  Bestref FOUND: %r",
                          instrument, reftype.upper(), dataset_id, value)
    return results


def run(args: argparse.Namespace) -> int:
    """Run ``opencrds bestrefs``; 0 without errors, 1 with any."""
    import opencrds

    headers = load_headers(args.headers)
    log.debug("Loaded %d datasets from '%s'.", len(headers), args.headers)
    context = opencrds.load_context(args.new_context, cache=args.cache)
    if getattr(context, "kind", None) != "pipeline":
        raise ToolError(f"--new-context must be a pipeline context (.pmap), "
                        f"not '{args.new_context}'")
    types = [t.lower() for t in args.types] if args.types else None
    if not headers:
        log.warning("No datasets in '%s'.", args.headers)
    results = compute(context, headers, types)
    if args.format == "json":
        json.dump(results, sys.stdout, indent=2, sort_keys=True, default=list)
        sys.stdout.write("\n")
    else:
        print_table(results, headers, context.name)
    sys.stdout.flush()
    log_summary()
    return 1 if count("ERROR") else 0


def print_table(results: Mapping[str, Mapping[str, Any]],
                headers: Mapping[str, Mapping[str, Any]], context_name: str) -> None:
    """Results as a table on stdout, one row per dataset and type."""
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
    for number, (dataset_id, refs) in enumerate(results.items()):
        if number:
            table.add_section()
        instrument = instrument_of(headers[dataset_id]).lower()
        for row, (reftype, value) in enumerate(refs.items()):
            if failure_reason(value) is not None:
                cell = Text(str(value), style="bold red")
            elif is_na(value):
                natural = str(value).strip().upper() in ("N/A", "NOT FOUND N/A")
                cell = Text("N/A" if natural else str(value), style="dim")
            else:
                cell = Text(value if isinstance(value, str) else json.dumps(value, default=list))
            table.add_row(Text(dataset_id if row == 0 else ""),
                          Text(instrument if row == 0 else ""), Text(reftype), cell)
    console.print(table)

"""Options of ``opencrds bestrefs`` (TOOLS.md §2.1, §1.4) and their checks and bundles."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable

from ...client.wordlists import expand_words
from ..common import ToolError
from ..switches import add_observatory_switches

#: Sources that only a CRDS server can supply (TOOLS.md §2.1 "Needs a server").
SERVER_SOURCES = ("datasets", "instruments", "all_instruments", "diffs_only", "affected_datasets")
_SOURCE_ERROR = ("Must specify one of: --files, --datasets, --instruments, --all-instruments, "
                 "--diffs-only and/or --load-pickles.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of ``opencrds bestrefs``."""
    _add_context_options(parser)
    _add_source_options(parser)
    _add_scope_options(parser)
    _add_comparison_options(parser)
    _add_output_options(parser)
    _add_error_tracking_options(parser)
    _add_run_options(parser)


def _add_context_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("contexts")
    group.add_argument(
        "-n", "--new-context", metavar="CONTEXT",
        help="context to compute best references with: a cached name, a .pmap path or a "
             "specifier (jwst-operational); default: the observatory's latest cached context")
    group.add_argument(
        "-o", "--old-context", metavar="CONTEXT",
        help="a second context whose results are compared with the new ones")
    group.add_argument(
        "--cache", metavar="DIR",
        help="root of a CRDS cache (default: $CRDS_PATH and the other CRDS_* variables)")
    add_observatory_switches(group.add_argument, lambda switch: (
        f"observatory {switch.observatory} (only for a default or symbolic context)"))


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dataset sources (words starting with @ name files of "
                                      "further words)")
    group.add_argument(
        "-f", "--files", nargs="+", metavar="FILE",
        help="dataset files (FITS, GEIS .r1h, ASDF, JSON, YAML); --update-bestrefs writes into "
             "their FITS headers")
    group.add_argument(
        "-p", "--load-pickles", nargs="+", metavar="FILE.json", default=[],
        help="parameter files {dataset_id: {keyword: value}}, one such object per line or one "
             "for the whole file; later files update the headers of earlier ones (.pkl is "
             "refused: Python pickles are unsafe to load)")
    group.add_argument(
        "--headers", "--datasets-json", metavar="FILE.json", dest="headers", action="append",
        default=[],
        help="same as --load-pickles FILE, and print the results as a table by default")
    group.add_argument(
        "-a", "--save-pickle", metavar="FILE.json",
        help="write the headers used, one {dataset_id: header} JSON object per line")
    for flags, dest, nargs, text in (
            (("-d", "--datasets"), "datasets", "+", "dataset ids looked up on a CRDS server"),
            (("-i", "--instruments"), "instruments", "+", "every dataset of these instruments"),
            (("--all-instruments",), "all_instruments", 0, "every dataset of every instrument"),
            (("--diffs-only",), "diffs_only", 0, "datasets affected by the context change"),
            (("--affected-datasets",), "affected_datasets", 0,
             "the server's affected-datasets mode")):
        kwargs = {"action": "store_true"} if nargs == 0 else {"nargs": nargs, "metavar": "X"}
        group.add_argument(*flags, dest=dest, help=f"{text} (needs a CRDS server: refused)",
                           **kwargs)


def _add_scope_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scope")
    group.add_argument("-t", "--types", nargs="+", metavar="TYPE",
                       help="only these reference types")
    group.add_argument("-k", "--skip-types", nargs="+", metavar="TYPE", default=[],
                       help="leave out these reference types")
    group.add_argument("--all-types", action="store_true",
                       help="every type of the instrument (what is done anyway: opencrds has "
                            "no per-exposure type applicability rules)")
    group.add_argument("--only-ids", nargs="+", metavar="ID",
                       help="only these dataset ids (upper-cased; X means X:X)")
    group.add_argument("--drop-ids", nargs="+", metavar="ID", default=[],
                       help="leave out these dataset ids (upper-cased; X means X:X)")


def _add_comparison_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("comparison")
    group.add_argument("-c", "--compare-source-bestrefs", action="store_true",
                       help="compare with the best references recorded in the datasets")
    group.add_argument("--differences-are-errors", action="store_true",
                       help="each difference is an error (not when one side is N/A, unless "
                            "--na-differences-matter)")
    group.add_argument("--undefined-differences-matter", action="store_true",
                       help="'no match', UNDEFINED, NONE, '' and '*' results are errors, not N/A")
    group.add_argument("--na-differences-matter", action="store_true",
                       help="N/A on either side does not excuse a difference")
    group.add_argument("-g", "--regression", action="store_true",
                       help="= --compare-source-bestrefs --differences-are-errors "
                            "--dump-unique-errors --stats")
    group.add_argument("--check-context", action="store_true",
                       help="= --undefined-differences-matter --na-differences-matter "
                            "--dump-unique-errors --stats, and the error id files "
                            "all_errors.ids and unique_errors.ids")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("actions and outputs")
    group.add_argument("-u", "--update-bestrefs", action="store_true",
                       help="write the new best references into the --files FITS headers, "
                            "with CRDS_CTX (the context) and CRDS_VER ('opencrds <version>')")
    group.add_argument("--update-pickle", action="store_true",
                       help="put the new results into the headers written by --save-pickle")
    group.add_argument("--print-affected", action="store_true",
                       help="print the product ids with changed best references")
    group.add_argument("--print-affected-details", action="store_true",
                       help="print '<id> <instrument> <types...>' for each changed dataset")
    group.add_argument("--print-new-references", action="store_true",
                       help="print '<id> <instrument> <type> <old> <new>' for each change")
    group.add_argument("--print-update-counts", action="store_true",
                       help="log the number of changes per instrument and type")
    group.add_argument("--format", choices=("table", "json"),
                       help="also print every result on stdout: a table, or JSON {dataset_id: "
                            "{type: result}} (default: table with --headers, else none)")
    group.add_argument("--allow-bad-rules", action="store_true",
                       help="a context with bad rules is a warning, not an error")
    group.add_argument("--allow-bad-references", action="store_true",
                       help="a bad best reference is a warning, not an error")


def _add_error_tracking_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("error tracking")
    group.add_argument("--dump-unique-errors", action="store_true",
                       help="at the end, log one example of each class of error")
    group.add_argument("--unique-errors-file", metavar="FILE",
                       help="write the dataset of the first error of each class to FILE")
    group.add_argument("--all-errors-file", metavar="FILE",
                       help="write every dataset that had an error to FILE")
    group.add_argument("--unique-threshold", type=int, default=1, metavar="N",
                       help="only report error classes with at least N errors (default 1)")
    group.add_argument("--max-errors-per-class", type=int, default=500, metavar="N",
                       help="stop logging the errors of a class at N (default 500)")
    group.add_argument("--unique-delimiter", metavar="D",
                       help="log tracked errors as 'D INSTR D TYPE D id D message'")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("running")
    group.add_argument("-j", "--processes", type=int, default=1, metavar="N",
                       help="look up in N processes (0: one per core; default 1)")
    group.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="show a progress bar (default: for large batches when stdout and "
                            "stderr are terminals)")
    group.add_argument("--stats", action="store_true",
                       help="log the start, stop and elapsed times and the dataset rate")
    group.add_argument("-R", "--readonly-cache", action="store_true",
                       help="accepted for compatibility: opencrds bestrefs never writes the cache")


# ---- after parsing -------------------------------------------------------------------------

def normalize_ids(ids: Iterable[str] | None) -> list[str] | None:
    """Dataset ids as CRDS compares them: upper case, ``X`` meaning ``X:X``."""
    if ids is None:
        return None
    return [i.upper() if ":" in i else f"{i.upper()}:{i.upper()}" for i in expand_words(ids)]


def finish(args: argparse.Namespace) -> argparse.Namespace:
    """Expand @-files and bundles, and check the combination of options (ToolError if bad)."""
    if args.regression:
        args.compare_source_bestrefs = args.differences_are_errors = True
        args.dump_unique_errors = args.stats = True
    if args.check_context:
        args.undefined_differences_matter = args.na_differences_matter = True
        args.dump_unique_errors = args.stats = True
        args.all_errors_file = args.all_errors_file or "all_errors.ids"
        args.unique_errors_file = args.unique_errors_file or "unique_errors.ids"
    for name in SERVER_SOURCES:
        if getattr(args, name):
            flag = "--" + name.replace("_", "-")
            raise ToolError(f"{flag} needs a CRDS server; opencrds bestrefs works offline on "
                            "--files and --load-pickles")
    args.files = expand_words(args.files) if args.files is not None else None
    args.load_pickles = expand_words([*args.load_pickles, *args.headers])
    if args.files is None and not args.load_pickles:
        raise ToolError(_SOURCE_ERROR)
    if args.old_context and args.compare_source_bestrefs:
        raise ToolError("--old-context and --compare-source-bestrefs cannot be used together: "
                        "compare with one or the other")
    if args.processes < 0:
        raise ToolError(f"--processes must be 0 or more, not {args.processes}")
    if args.processes == 0:
        args.processes = os.cpu_count() or 1
    args.types = [t.lower() for t in expand_words(args.types)] if args.types else None
    args.skip_types = [t.lower() for t in expand_words(args.skip_types)]
    args.only_ids = normalize_ids(args.only_ids)
    args.drop_ids = normalize_ids(args.drop_ids) or []
    if args.format is None and args.headers:
        args.format = "table"
    return args

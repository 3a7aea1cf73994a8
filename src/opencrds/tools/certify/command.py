"""``opencrds certify``: check reference and rules files before delivery (TOOLS.md §2.3).

Exit status: the number of errors (warnings alone give 0).
"""

from __future__ import annotations

import argparse

from ...certify import CertifyOptions, certify_files
from ..common import count, log_summary
from ..switches import add_observatory_switches


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds certify``."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="references or mappings (bare name = current directory)")
    add_observatory_switches(parser.add_mutually_exclusive_group().add_argument,
                             lambda switch: f"files belong to {switch.observatory.upper()}",
                             short=False)
    parser.add_argument("-x", "--comparison-context", "--context", dest="comparison_context",
                        metavar="CTX", help="context to compare with (default: operational)")
    parser.add_argument("-y", "--comparison-reference", metavar="REF",
                        help="table to compare a new table's modes with")
    parser.add_argument("-d", "--deep", action="store_true",
                        help="also certify every cached reference a mapping names")
    parser.add_argument("-e", "--exist", action="store_true",
                        help="check that references named by mappings are in the cache")
    parser.add_argument("-r", "--dont-recurse-mappings", action="store_true",
                        help="do not certify the sub-mappings of mappings given")
    parser.add_argument("-a", "--dont-parse", action="store_true",
                        help="skip the grammar parse and duplicate-key scan of mappings")
    parser.add_argument("-p", "--dump-provenance", action="store_true",
                        help="accepted for compatibility; provenance is not dumped yet")
    parser.add_argument("-z", "--dont-check-rmap-updates", action="store_true",
                        help="do not insert the references into the comparison context's "
                             "rmaps and certify the results")
    parser.add_argument("--cache", metavar="DIR", help="CRDS cache root (default: $CRDS_PATH)")
    parser.add_argument("--definitions", metavar="DIR", action="append", default=[],
                        help="directory of observatory definitions (repeatable)")
    parser.add_argument("--coverage", action="store_true",
                        help="instead of certifying, tabulate each rmap's uncovered modes, "
                             "unreachable rows and overlapping rows")


def run(args: argparse.Namespace) -> int:
    """Certify every file; return the error count."""
    if getattr(args, "coverage", False):
        from .coverage import run_coverage

        return run_coverage(args)
    options = CertifyOptions(
        observatory=args.observatory,
        comparison_context=args.comparison_context,
        comparison_reference=args.comparison_reference,
        deep=args.deep,
        exist=args.exist,
        dont_recurse_mappings=args.dont_recurse_mappings,
        dont_parse=args.dont_parse,
        dump_provenance=args.dump_provenance,
        check_rmap_updates=not args.dont_check_rmap_updates,
        cache=args.cache,
        definitions_dirs=tuple(args.definitions),
    )
    certify_files(list(args.files), options)
    log_summary()
    return count("ERROR")

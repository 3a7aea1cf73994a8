"""``opencrds rowdiff TABLE_A TABLE_B``: row-by-row differences of FITS tables (TOOLS.md §2.6).

Without ``--mode-fields``: per table extension, a summary of the rows removed, added or changed
and a unified diff of the rows. With ``--mode-fields``: which key combinations each table lacks
or repeats and which rows of the common ones changed. The report goes to stdout; exit status 0
(1 when a file cannot be read or the options conflict).

Unlike ``crds rowdiff`` 14.0.3, which reports some differing tables of 100 rows or more as
"contains no differences" (e.g. extension 1 of y951738kl_hv.fits / y9j16159l_hv.fits), every
difference is reported.
"""

from __future__ import annotations

import argparse
import os

from ..io.rowdiff import RowDiffError, format_result, row_diff
from .common import ToolError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds rowdiff``."""
    parser.add_argument("tableA", help="first FITS file (bare name = current directory)")
    parser.add_argument("tableB", help="second FITS file (bare name = current directory)")
    parser.add_argument("--ignore-fields", metavar="A,B,...",
                        help="comma-separated columns not to compare (case-insensitive)")
    parser.add_argument("--fields", metavar="A,B,...",
                        help="comma-separated columns to compare, in this order "
                             "(case-insensitive; excludes --ignore-fields)")
    parser.add_argument("--mode-fields", metavar="a,b,...",
                        help="comma-separated lower-case key columns: compare tables by mode")


def _local(name: str) -> str:
    return name if os.path.dirname(name) else os.path.join(".", name)


def run(args: argparse.Namespace) -> int:
    """Print the differences; 0 unless an error stops the comparison."""
    try:
        result = row_diff(_local(args.tableA), _local(args.tableB), fields=args.fields,
                          ignore_fields=args.ignore_fields, mode_fields=args.mode_fields)
    except RowDiffError as exc:
        raise ToolError(str(exc)) from None
    print(format_result(result))
    return 0

"""Write docs/canonical-format-report.md: which cached mappings are not in canonical form, and why.

Usage: python scripts/canonical_report.py [--mappings DIR] [--output FILE]

The classification lives in tests/rules/test_writer.py (``build_report``), so the test suite and
the report always agree; set OPENCRDS_SHARED_DATA to use a data directory other than
../shared/data.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_test_helpers():
    """Import tests/rules/test_writer.py as a module (tests/ is not a package)."""
    path = REPO / "tests" / "rules" / "test_writer.py"
    spec = importlib.util.spec_from_file_location("_opencrds_test_writer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    helpers = load_test_helpers()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mappings", type=Path, default=helpers.mappings_dir(),
                        help="directory holding <observatory>/<mapping> files")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "canonical-format-report.md")
    args = parser.parse_args(argv)
    if not args.mappings.is_dir():
        parser.error(f"no mappings directory at {args.mappings}")
    report = helpers.build_report(args.mappings)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``opencrds manage COMMAND ...``: run any Django management command of the server
(``migrate``, ``createsuperuser``, ``import_cache``, ``add_pipeline``, ``shell``, ...)."""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds manage``: everything after it goes to Django."""
    parser.add_argument("django_args", nargs=argparse.REMAINDER, metavar="COMMAND ...",
                        help="a Django management command and its arguments "
                             "(opencrds manage help lists them)")


def run(args: argparse.Namespace) -> int:
    """Run the management command; Django prints its own errors."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencrds.server.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["opencrds manage", *(args.django_args or ["help"])])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0

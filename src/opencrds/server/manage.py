"""``opencrds manage COMMAND ...``: run any Django management command of the server
(``migrate``, ``createsuperuser``, ``import_cache``, ``add_pipeline``, ``shell``, ...).

The data folder is prepared first (:func:`opencrds.server.startup.prepare_home`). ``migrate``
runs under the schema lock, so servers and other commands starting together migrate once.
Every other command that works on the catalog first applies the migrations the database lacks
(under the same lock), so ``opencrds manage import_cache`` works on a new data folder; those
that make, show or apply migrations themselves, or do not use the tables, run as they are.
"""

from __future__ import annotations

import argparse

#: Commands that run on the database as it is: they make, show or apply migrations, or do not
#: use the catalog's tables (``migrate`` itself runs under the schema lock).
SCHEMA_AS_IT_IS = frozenset({
    "help", "version", "check", "diffsettings",
    "makemigrations", "squashmigrations", "optimizemigration", "showmigrations", "sqlmigrate",
    "sqlflush", "sqlsequencereset", "inspectdb", "dbshell",
    "collectstatic", "findstatic", "startapp", "startproject",
    "makemessages", "compilemessages", "test", "testserver",
})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds manage``: everything after it goes to Django."""
    parser.add_argument("django_args", nargs=argparse.REMAINDER, metavar="COMMAND ...",
                        help="a Django management command and its arguments "
                             "(opencrds manage help lists them)")


def needs_current_schema(words: list[str]) -> bool:
    """True if the command ``words`` works on the tables, so pending migrations go first."""
    name = words[0]
    if name.startswith("-") or name in SCHEMA_AS_IT_IS or name == "migrate":
        return False
    return not any(word in ("-h", "--help") for word in words[1:])


def run(args: argparse.Namespace) -> int:
    """Run the management command; Django prints its own errors."""
    from django.core.management import execute_from_command_line

    from . import setup
    from .startup import apply_migrations, schema_lock

    words = list(args.django_args or ["help"])
    setup()
    if needs_current_schema(words):
        apply_migrations()
    try:
        if words[0] == "migrate":
            with schema_lock():
                execute_from_command_line(["opencrds manage", *words])
        else:
            execute_from_command_line(["opencrds manage", *words])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0

"""``manage add_user NAME --email E [--instrument I ...] [--all-instruments] [--operator]``.

The password is read from ``OPENCRDS_USER_PASSWORD`` or, with ``--password-stdin``, the first
line of standard input; otherwise a new user gets none (API tokens only: ``issue_token``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.server.accounts import services

from ._common import command_errors, observatory


class Command(BaseCommand):
    help = "Create or update a user who may submit files for some instruments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--instrument", action="append", default=[],
                            help="an instrument the user may submit for (repeatable)")
        parser.add_argument("--all-instruments", action="store_true")
        parser.add_argument("--operator", action="store_true",
                            help="may set contexts, mark files bad, force deliveries")
        parser.add_argument("--observatory", help="default: the one served")
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("OPENCRDS_USER_PASSWORD") or None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("no password on standard input")
        with command_errors():
            user, created = services.add_user(
                options["username"], options["email"], observatory(options["observatory"]),
                password=password, instruments=options["instrument"],
                all_instruments=options["all_instruments"], operator=options["operator"])
        self.stdout.write(f"{'created' if created else 'updated'} user '{user.get_username()}'"
                          + ("" if user.has_usable_password() else " (API tokens only)"))

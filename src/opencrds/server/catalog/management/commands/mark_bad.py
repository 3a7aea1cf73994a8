"""``manage mark_bad FILE... --reason R [--ok]``: mark files bad (or OK again), as the
mark-bad page does."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.rules.errors import CrdsError

from ... import services


class Command(BaseCommand):
    help = ("Mark files bad: a reference is rejected; a mapping is blacklisted with every "
            "mapping that contains it. --ok reverses it (the mappings blacklisted only "
            "because of it are cleared too).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="catalogued file names")
        parser.add_argument("--reason", required=True, help="why (recorded in the audit log)")
        parser.add_argument("--ok", action="store_true", help="mark them OK again")
        parser.add_argument("--observatory", help="default: the observatory served")
        parser.add_argument("--user", default=getpass.getuser(),
                            help="recorded in the audit log (default: your login name)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = services.mark_files(options["observatory"], options["files"],
                                         not options["ok"], user=options["user"],
                                         why=options["reason"])
        except CrdsError as exc:
            raise CommandError(str(exc)) from None
        state = "bad" if report.bad else "ok"
        for name in report.marked:
            self.stdout.write(f"{name} {state}")
        for name in report.also_blacklisted:
            self.stdout.write(f"{name} blacklisted (contains a bad mapping)")
        for name in report.also_cleared:
            self.stdout.write(f"{name} cleared")

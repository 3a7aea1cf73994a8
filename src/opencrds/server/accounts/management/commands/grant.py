"""``manage grant NAME [--instrument I ... | --all-instruments] [--operator] [--revoke]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.server.accounts import services

from ._common import command_errors, observatory


class Command(BaseCommand):
    help = "Give (or with --revoke take back) submission rights or the operator role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--instrument", action="append", default=[])
        parser.add_argument("--all-instruments", action="store_true")
        parser.add_argument("--operator", action="store_true")
        parser.add_argument("--revoke", action="store_true")
        parser.add_argument("--observatory", help="default: the one served")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["instrument"] or options["all_instruments"] or options["operator"]):
            raise CommandError("give --instrument, --all-instruments or --operator")
        with command_errors():
            user = services.find_user(options["username"])
            now = services.grant(user, observatory(options["observatory"]),
                                 options["instrument"],
                                 all_instruments=options["all_instruments"],
                                 operator=options["operator"], revoke=options["revoke"])
        self.stdout.write(f"user '{user.get_username()}' may submit for: "
                          f"{', '.join(now) or 'nothing'}")

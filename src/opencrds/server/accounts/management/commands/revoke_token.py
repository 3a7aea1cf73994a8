"""``manage revoke_token NAME (--prefix P | --all)``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opencrds.server.accounts import services, tokens

from ._common import command_errors


class Command(BaseCommand):
    help = "Revoke one API token of a user (by its first characters) or all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--prefix", help="the first characters of the token")
        which.add_argument("--all", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_errors():
            user = services.find_user(options["username"])
            count = tokens.revoke(user, None if options["all"] else options["prefix"])
        self.stdout.write(f"revoked {count} token(s) of '{user.get_username()}'")

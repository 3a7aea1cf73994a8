"""``manage issue_token NAME [--name LABEL] [--days N]``: prints the new token (its only
line of output; the server keeps only its hash)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opencrds.server.accounts import services, tokens

from ._common import command_errors


class Command(BaseCommand):
    help = "Issue an API token (the MAST_API_TOKEN of crds submit) and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label for the token")
        parser.add_argument("--days", type=float, help="lifetime in days (default: unlimited)")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_errors():
            user = services.find_user(options["username"])
            key = tokens.issue(user, options["name"], options["days"])
        self.stdout.write(key)

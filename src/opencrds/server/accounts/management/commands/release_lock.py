"""``manage release_lock NAME``: clear a user's instrument lock (a stale one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opencrds.server.accounts import locks, services

from ._common import command_errors


class Command(BaseCommand):
    help = "Release a user's instrument lock (their unconfirmed submissions are cancelled)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_errors():
            user = services.find_user(options["username"])
            held = locks.release(user, "operator")
        self.stdout.write(f"released the lock of '{user.get_username()}'" if held
                          else f"'{user.get_username()}' held no lock")

"""``manage add_pipeline NAME [--key KEY]``: a pipeline allowed to push its remote context."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.rules.errors import CrdsError

from ... import services


class Command(BaseCommand):
    help = ("Register a pipeline (e.g. jwst-ops-pipeline) and print the key it passes to "
            "'crds sync --push-context KEY'. An existing pipeline gets the new key.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="pipeline name")
        parser.add_argument("--key", help="the key to use (default: a new random key)")
        parser.add_argument("--observatory", help="default: the observatory served")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = services.add_pipeline(options["observatory"], options["name"], options["key"])
        except CrdsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)

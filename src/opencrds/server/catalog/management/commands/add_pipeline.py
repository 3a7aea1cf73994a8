"""``manage add_pipeline NAME [--key KEY]``: a pipeline allowed to push its remote context."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ....rpc.contexts import check_observatory
from ...models import AuditEntry, RemoteContext


class Command(BaseCommand):
    help = ("Register a pipeline (e.g. jwst-ops-pipeline) and print the key it passes to "
            "'crds sync --push-context KEY'. An existing pipeline gets the new key.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="pipeline name")
        parser.add_argument("--key", help="the key to use (default: a new random key)")
        parser.add_argument("--observatory", help="default: the observatory served")

    def handle(self, *args: Any, **options: Any) -> None:
        from ....rpc.methods import key_hash

        try:
            observatory = check_observatory(options["observatory"])
        except Exception as exc:
            raise CommandError(str(exc)) from None
        key = options["key"] or secrets.token_urlsafe(24)
        RemoteContext.objects.update_or_create(
            observatory=observatory, name=options["name"],
            defaults={"key_hash": key_hash(key)})
        AuditEntry.objects.create(observatory=observatory, action="add pipeline",
                                  filename=options["name"], why="pipeline key set")
        self.stdout.write(key)

"""``manage import_cache PATH --observatory NAME``: bootstrap the catalog from a CRDS cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import services
from ...errors import ImportFailed


class Command(BaseCommand):
    help = ("Import mappings, references, context history, default contexts and bad files from "
            "an existing CRDS cache (CRDS_PATH layout). Running it again updates the catalog.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="root of the CRDS cache (CRDS_PATH)")
        parser.add_argument("--observatory", required=True, help="hst, jwst, roman, ...")
        parser.add_argument("--link", action="store_true",
                            help="hard-link references into the store instead of copying")
        parser.add_argument("--user", default="", help="recorded in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["path"]
        if not source.is_dir():
            raise CommandError(f"not a directory: {source}")
        echo = (lambda m: self.stdout.write(m)) if options["verbosity"] > 1 else None
        try:
            report = services.import_cache(source, options["observatory"], link=options["link"],
                                           user=options["user"], echo=echo)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings[:20]:
            self.stderr.write(f"warning: {warning}")
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"imported {report.summary()}"))

"""``manage import_datasets FILE...``: store dataset headers for the dataset RPC methods."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.rules.errors import CrdsError

from ... import services
from ...contexts import check_observatory


class Command(BaseCommand):
    help = ("Read the headers of dataset files (FITS, GEIS, ASDF, JSON, YAML) and store them, "
            "so get_dataset_ids and get_dataset_headers_by_id can serve them. Importing a "
            "dataset again replaces its header.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="dataset files to import")
        parser.add_argument("--observatory", help="default: the observatory served")
        parser.add_argument("--user", default="", help="recorded in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        from opencrds.io import HeaderError

        try:
            observatory = check_observatory(options["observatory"])
        except CrdsError as exc:
            raise CommandError(str(exc)) from None
        failed = 0
        for path in options["files"]:
            try:
                dataset_id = services.import_dataset(observatory, path, user=options["user"])
            except (HeaderError, ValueError, OSError) as exc:
                self.stderr.write(f"error: {exc}")
                failed += 1
                continue
            if options["verbosity"] > 0:
                self.stdout.write(f"{dataset_id} {path}")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files could not be imported")

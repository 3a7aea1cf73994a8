"""``manage remote_contexts [OBS]``: the registered pipelines and the context each last
pushed (``crds sync --push-context KEY``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.rules.errors import CrdsError

from ... import queries
from ...contexts import check_observatory


class Command(BaseCommand):
    help = ("List the pipelines registered with add_pipeline: name, kind, the context last "
            "pushed ('-' if none yet) and when.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("observatory", nargs="?", help="default: the observatory served")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            observatory = check_observatory(options["observatory"])
        except CrdsError as exc:
            raise CommandError(str(exc)) from None
        rows = queries.remote_contexts(observatory)
        if not rows:
            self.stdout.write(f"no pipeline is registered for {observatory}")
        for row in rows:
            when = queries.format_date(row["updated"]) if row["updated"] else "-"
            self.stdout.write(f"{row['name']}  {row['kind']}  {row['context'] or '-'}  {when}")

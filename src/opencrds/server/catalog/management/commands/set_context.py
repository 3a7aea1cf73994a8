"""``manage set_context OBS KIND CONTEXT --reason R [--calver V [--banner]]``: set the latest,
edit, versions or a build context, as the set-context page does."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opencrds.rules.errors import CrdsError

from ... import services


class Command(BaseCommand):
    help = ("Point a default context (latest, edit, versions) at a .pmap, or the context of a "
            "CAL version (build, with --calver; --banner makes it the pipeline build context "
            "if it is newer than the current one). A new latest context needs --reason "
            "(letters, digits, hyphens, commas, periods, spaces) and may contain no bad file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("observatory", help="the observatory served, e.g. jwst")
        parser.add_argument("kind", choices=("latest", "operational", "edit", "versions",
                                             "build"))
        parser.add_argument("context", help="a .pmap of the catalog, e.g. jwst_0542.pmap")
        parser.add_argument("--reason", default="", help="why (required for latest)")
        parser.add_argument("--calver", help="the CAL version (build only)")
        parser.add_argument("--banner", action="store_true",
                            help="build: update the home page banner / pipeline build context")
        parser.add_argument("--user", default=getpass.getuser(),
                            help="recorded in the audit log (default: your login name)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, context = options["kind"], options["context"]
        if kind != "build" and (options["calver"] or options["banner"]):
            raise CommandError("--calver and --banner are for the build context only")
        try:
            if kind == "build":
                if not options["calver"]:
                    raise CommandError("the build context needs --calver VERSION")
                row = services.set_build_context(
                    options["observatory"], options["calver"], context, user=options["user"],
                    why=options["reason"], banner=options["banner"])
                banner = " (banner)" if row.banner else (
                    " (banner not updated: it shows a newer context)" if options["banner"]
                    else "")
                self.stdout.write(f"build context of CAL version {row.calver}: {context}{banner}")
            else:
                services.set_default_context(options["observatory"], kind, context,
                                             user=options["user"], why=options["reason"])
                self.stdout.write(f"{kind} context: {context}")
        except CrdsError as exc:
            raise CommandError(str(exc)) from None

"""``manage recover_submissions``: settle submissions a stopped queue consumer left half done
(run once before the consumer starts; ``opencrds serve`` does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from opencrds.server.submissions.services import recover


class Command(BaseCommand):
    help = "Fail interrupted submissions and finish interrupted confirmations."

    def handle(self, *args: Any, **options: Any) -> None:
        report = recover()
        for key in ("failed", "confirmed"):
            for submission_id in report[key]:
                self.stdout.write(f"{key}: {submission_id}")
        if options["verbosity"] > 1 or any(report.values()):
            self.stdout.write(f"recovered: {len(report['failed'])} failed, "
                              f"{len(report['confirmed'])} confirmed")

"""``manage cancel_submission ID [--reason TEXT]``: cancel a STARTED or READY submission as
the system (an operator's tool)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from opencrds.server.submissions.models import Submission
from opencrds.server.submissions.services import SubmissionError, cancel


class Command(BaseCommand):
    help = "Cancel a started or ready submission."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("submission", help="the submission id (a UUID)")
        parser.add_argument("--reason", default="cancelled by an operator")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            submission = Submission.objects.get(pk=options["submission"])
        except (Submission.DoesNotExist, ValidationError):
            raise CommandError(f"no submission {options['submission']!r}") from None
        try:
            cancel(submission, None, options["reason"])
        except SubmissionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"cancelled: {submission.pk}")

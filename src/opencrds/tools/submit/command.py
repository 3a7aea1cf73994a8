"""``opencrds submit``: the options of ``crds submit`` (TOOLS.md §2.14, plus ``redcat``,
``references`` and ``mappings`` submission kinds) turned into :class:`SubmitOptions`, and the
run (``flow.submit``) whose exit status is the number of errors (255 without a server)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..common import FATAL, count, log, log_summary
from .form import CHANGE_LEVELS, FORM_URLS

if TYPE_CHECKING:  # flow (httpx, the client) is imported when the command runs
    from .flow import SubmitOptions

#: The kind posted when neither --submission-kind nor --redcat-parameters says otherwise.
DEFAULT_KIND = "batch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds submit`` (the observatory switches are the shared ones)."""
    parser.add_argument("--files", nargs="+", metavar="FILE",
                        help="the references and rules to submit; @FILE reads names from FILE "
                             "(required unless --logout alone: log in and out, releasing "
                             "the lock)")
    parser.add_argument("--derive-from-context", metavar="CTX",
                        help="context the new rules derive from (default <obs>-edit; "
                             "<obs>-latest floats to the latest; any other is used as given)")
    parser.add_argument("--change-level", choices=CHANGE_LEVELS, default="SEVERE",
                        help="how much the submission changes results (default SEVERE)")
    parser.add_argument("--creator", help="who made the files")
    parser.add_argument("--description", help="what the submission is and why")
    parser.add_argument("--dont-auto-rename", action="store_true",
                        help="keep the uploaded names (no official renaming)")
    parser.add_argument("--dont-compare-old-reference", action="store_true",
                        help="do not compare each new reference with the one it replaces")
    parser.add_argument("--username", help="the CRDS user (default $CRDS_USERNAME, "
                                           "~/.crds.ini, else the login name)")
    parser.add_argument("--monitor-processing", action="store_true",
                        help="show the server's processing messages as they come")
    parser.add_argument("--wait-for-completion", action="store_true",
                        help="wait for the submission form's answer and check it (always "
                             "done: the server answers once the work is queued)")
    parser.add_argument("--submission-kind", choices=tuple(FORM_URLS), default=None,
                        help="the form to post: batch (default), redcat, certify, references, "
                             "mappings, or none to upload only")
    parser.add_argument("--redcat-parameters", metavar="YAML",
                        help="ReDCaT form fields (a YAML mapping); implies --submission-kind "
                             "redcat")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--wipe-existing-files", action="store_true",
                          help="first delete every file already in the upload area")
    existing.add_argument("--keep-existing-files", action="store_true",
                          help="do not send again files already uploaded whole (same name "
                               "and size)")
    parser.add_argument("--certify-files", action="store_true",
                        help="certify the files locally first and stop on errors")
    parser.add_argument("--autoconfirm", action="store_true",
                        help="confirm the submission when there were no errors, else cancel "
                             "(monitors the processing)")
    parser.add_argument("--logout", action="store_true",
                        help="log out at the end, releasing the instrument lock (without "
                             "--files: only log in and out)")
    parser.add_argument("--poll-seconds", type=float, default=2.0, metavar="S",
                        help="seconds between polls of the processing messages (default 2)")


def submit_options(args: argparse.Namespace) -> SubmitOptions:
    """The :class:`~.flow.SubmitOptions` of a parsed command line."""
    from .files import submission_files
    from .flow import SubmitOptions

    kind = args.submission_kind or ("redcat" if args.redcat_parameters else DEFAULT_KIND)
    return SubmitOptions(
        files=tuple(submission_files(args.files)) if args.files or not args.logout else (),
        observatory=getattr(args, "observatory", None),
        derive_from_context=args.derive_from_context,
        change_level=args.change_level, creator=args.creator, description=args.description,
        auto_rename=not args.dont_auto_rename,
        compare_old_reference=not args.dont_compare_old_reference,
        username=args.username, monitor=bool(args.monitor_processing or args.autoconfirm),
        wait=args.wait_for_completion, kind=kind, redcat_parameters=args.redcat_parameters,
        wipe=args.wipe_existing_files, keep=args.keep_existing_files,
        certify=args.certify_files, autoconfirm=args.autoconfirm, logout=args.logout,
        poll_seconds=max(0.05, args.poll_seconds))


def run(args: argparse.Namespace) -> int:
    """Submit as the options say; the exit status is the number of errors."""
    from ...rules.errors import CrdsError
    from ..common import one_line
    from .flow import ServerUnavailable, submit

    try:
        submit(submit_options(args))
    except ServerUnavailable:
        return FATAL
    except CrdsError as exc:
        log.error("%s", one_line(exc))
    log_summary()
    return count("ERROR")

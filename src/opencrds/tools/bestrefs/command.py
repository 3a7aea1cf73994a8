"""``opencrds bestrefs``: best references for datasets, as ``crds bestrefs`` (TOOLS.md §2.1, §6).

Datasets come from files (``--files``: FITS, GEIS, ASDF, JSON, YAML) or from JSON parameter
files (``--load-pickles``, ``{dataset_id: header}``). Their best references under
``--new-context`` are compared with ``--old-context``'s, or with the ones recorded in the
datasets (``--compare-source-bestrefs``, implied by ``--print-affected[-details]``), or with
nothing (every result is then an update). Updates can be printed, counted, listed as affected
products and written into HST FITS headers (``--update-bestrefs``).

Messages go to stderr in the CRDS format, results to stdout; the closing lines are
``N errors`` / ``N warnings`` / ``N infos``; the exit status is 0 without errors, 1 with any.
The other modules of this package hold the parts: options (``args``), contexts (``contexts``),
sources (``sources``), lookup and comparison (``compare``), running (``parallel``), error
tracking (``tracking``), reports (``report``) and header updates (``update``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..common import ToolError, count, env_verbosity, log
from . import report
from .args import add_arguments as _add_arguments
from .args import finish
from .compare import Outcome, Processor, Settings
from .contexts import bad_files, bad_rules_message, resolve_context
from .parallel import run_batch, want_progress
from .sources import (
    combine_parameter_files,
    make_sources,
    read_parameter_files,
    save_headers,
)
from .tracking import ErrorTracker, display_id
from .update import update_files, update_headers

_BAD_REFERENCE = "is bad. Use is not recommended,  results may not be scientifically valid."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds bestrefs``."""
    _add_arguments(parser)


def _load_pipeline_context(spec: str | None, args: argparse.Namespace, which: str
                           ) -> tuple[Any, str]:
    """The loaded context and the name or path it was loaded from (for worker processes)."""
    import opencrds

    name = resolve_context(spec, args.observatory, args.cache, args.files)
    context = opencrds.load_context(name, cache=args.cache)
    if getattr(context, "kind", None) != "pipeline":
        raise ToolError(f"--{which}-context must be a pipeline context (.pmap), not '{name}'")
    return context, name


def _settings(args: argparse.Namespace, new: str, old: str | None, verbosity: int
              ) -> Settings:
    file_mode = args.files is not None
    compare_source = args.compare_source_bestrefs or (
        old is None and (args.print_affected or args.print_affected_details))
    return Settings(
        new_context=new, old_context=old,
        cache=args.cache, compare_source=compare_source,
        types=tuple(args.types) if args.types else None,
        skip_types=frozenset(args.skip_types),
        undefined_matter=args.undefined_differences_matter,
        na_matter=args.na_differences_matter,
        differences_are_errors=args.differences_are_errors,
        show_changes=file_mode or args.print_new_references or verbosity >= 30,
        file_mode=file_mode, updating=args.update_bestrefs, update_pickle=args.update_pickle,
        keep_results=args.format is not None,
        keep_headers=bool(args.save_pickle) and file_mode,
        debug=verbosity > 0)


class _Replayer:
    """Logs each outcome's messages in order (tracked errors through the tracker) and keeps
    the rest of the outcome for the reports."""

    def __init__(self, tracker: ErrorTracker) -> None:
        self.tracker = tracker
        self.outcomes: list[Outcome] = []

    def __call__(self, out: Outcome) -> None:
        for level, text, track in out.messages:
            if track is None:
                log.log(level, "%s", text)
            else:
                self.tracker.error(*track, text)
        out.messages = []
        self.outcomes.append(out)


def _check_bad_references(outcomes: Sequence[Outcome], bad: frozenset[str],
                          tracker: ErrorTracker, allow: bool) -> None:
    """A tracked error (or warning) for each new assignment of a bad reference."""
    if not bad:
        return
    for out in outcomes:
        for reftype, _old, new in out.updates:
            if new in bad:  # the warning names the dataset in full, the error as tracked
                data = out.name if allow else display_id(out.name)
                tracker.error(out.instrument, reftype, data,
                              f"File {new.upper()!r} {_BAD_REFERENCE}", allow=allow)


def run(args: argparse.Namespace) -> int:
    """Run ``opencrds bestrefs``; 0 without errors, 1 with any."""
    started = datetime.now()
    args = finish(args)
    verbosity = env_verbosity() if args.verbosity is None else args.verbosity
    loaded = read_parameter_files(args.load_pickles)
    new, new_name = _load_pipeline_context(args.new_context, args, "new")
    old, old_name = (_load_pipeline_context(args.old_context, args, "old") if args.old_context
                     else (None, None))
    tracker = ErrorTracker(args.max_errors_per_class, args.unique_delimiter)
    bad = bad_files(new.observatory, args.cache)
    for which, context in (("New", new), ("Old", old)):
        message = bad_rules_message(context, bad, which) if context is not None else None
        if message and args.allow_bad_rules:
            log.warning("%s", message)
        elif message:
            tracker.error("ALL", "ALL", "ALL", message)

    parameters = combine_parameter_files(loaded)
    sources = make_sources(args.files, parameters, args.only_ids, args.drop_ids)
    settings = _settings(args, new_name, old_name, verbosity)
    if not settings.comparing:
        log.info("No comparison context or source comparison requested.")
    if settings.file_mode and not args.update_bestrefs:
        log.info("No file header updates requested;  dry run.  Use --update-bestrefs to update "
                 "FITS headers.")

    replay = _Replayer(tracker)
    show_progress = want_progress(args.progress, len(sources)) and verbosity >= 0
    run_batch(settings, sources, Processor(settings, new, old), args.processes, show_progress,
              replay)
    outcomes = replay.outcomes
    _post_process(args, outcomes, parameters, new, bad, tracker)

    if args.dump_unique_errors:
        tracker.dump(args.unique_threshold, count("ERROR") + tracker.suppressed)
    tracker.write_files(args.unique_threshold, args.unique_errors_file, args.all_errors_file)
    if args.stats:
        report.log_stats(started, datetime.now(), sum(out.loaded for out in outcomes))
    sys.stdout.flush()
    return 1 if report.log_summary(tracker.suppressed) else 0


def _post_process(args: argparse.Namespace, outcomes: list[Outcome],
                  parameters: dict[str, dict[str, Any]], new: Any, bad: frozenset[str],
                  tracker: ErrorTracker) -> None:
    """Outputs and updates after processing, in the order of TOOLS.md §6.3."""
    if args.save_pickle:
        if args.update_pickle:
            update_headers(parameters, outcomes)
        headers = _saved_headers(args, outcomes, parameters)
        save_headers(args.save_pickle, headers)
    _check_bad_references(outcomes, bad, tracker, args.allow_bad_references)
    if args.print_new_references:
        report.print_new_references(outcomes)
    if args.format:
        report.print_results(outcomes, args.format, new.name)
    if args.update_bestrefs and args.files is not None:
        update_files(outcomes, new.name, new.observatory)
    if args.print_update_counts:
        report.log_update_counts(outcomes)
    if args.print_affected:
        report.print_affected(outcomes)
    if args.print_affected_details:
        report.print_affected_details(outcomes)


def _saved_headers(args: argparse.Namespace, outcomes: Sequence[Outcome],
                   parameters: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The headers ``--save-pickle`` writes: the loaded ones (or the files'), only-ids first."""
    if args.files is not None:
        headers = {out.name: out.header for out in outcomes if out.header is not None}
    else:
        headers = parameters
    if args.only_ids is not None:
        wanted = set(args.only_ids)
        headers = {name: header for name, header in headers.items() if name in wanted}
    return headers

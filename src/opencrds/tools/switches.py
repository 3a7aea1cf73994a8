"""The switches every ``opencrds`` command accepts (TOOLS.md §1.2) and how a run honours them.

A command may define one of these switches itself (``sync --readonly-cache``, ``bestrefs
--stats``); its own definition wins and the shared one is left out of that command's parser.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import __version__


@dataclass(frozen=True)
class ObservatorySwitch:
    """A switch that names the observatory: its flags, the observatory and how help names it."""

    flags: tuple[str, ...]
    observatory: str
    label: str


#: The observatory switches, the one definition every command uses.
OBSERVATORY_SWITCHES = (ObservatorySwitch(("-H", "--hst"), "hst", "HST"),
                        ObservatorySwitch(("-J", "--jwst"), "jwst", "JWST"),
                        ObservatorySwitch(("--roman",), "roman", "Roman"))


def add_observatory_switches(add_argument: Callable[..., Any],
                             describe: Callable[[ObservatorySwitch], str], *,
                             short: bool = True) -> None:
    """Add the observatory switches (``dest="observatory"``) with ``add_argument`` (of a
    parser, an argument group or a mutually exclusive group); ``describe`` words each help;
    ``short=False`` leaves out the one-letter flags (``-H``, ``-J``)."""
    for switch in OBSERVATORY_SWITCHES:
        flags = [flag for flag in switch.flags if short or flag.startswith("--")]
        add_argument(*flags, dest="observatory", action="store_const",
                     const=switch.observatory, help=describe(switch))


def add_shared_arguments(parser: argparse.ArgumentParser, *, in_command: bool = False) -> None:
    """Add the shared switches to ``parser``, before or after the command name.

    In a command's parser the defaults are suppressed, so a switch given before the command
    name is not reset by the command's parser; switches the command defines are skipped.
    """
    group = parser.add_argument_group("shared options")
    taken = set(parser._option_string_actions)

    def add(*flags: str, default: object = None, **kwargs: object) -> None:
        if taken.isdisjoint(flags):
            group.add_argument(*flags, default=argparse.SUPPRESS if in_command else default,
                               **kwargs)  # type: ignore[arg-type]

    add("-v", "--verbose", dest="verbosity", action="store_const", const=50,
        help="show debug messages (verbosity 50)")
    add("--verbosity", dest="verbosity", type=int, metavar="N",
        help="debug verbosity: >0 debug, 0 normal, -1 hides INFO, -2 also WARNING, "
             "-3 also ERROR (default: $CRDS_VERBOSITY or 0)")
    add("--debug-traceback", "--debug-traps", dest="debug_traceback", action="store_true",
        default=False, help="let errors propagate with a full traceback instead of one line")
    add("--pdb", action="store_true", default=False,
        help="run the command under the Python debugger (pdb)")
    add("--profile", metavar="FILE",
        help="profile the command with cProfile and write the statistics to FILE")
    add("--log-time", action="store_true", default=False,
        help="add the date and time to every log message")
    add("--dump-cmdline", action="store_true", default=False,
        help="log the command line that started the run")
    add("-R", "--readonly-cache", action="store_true", default=False,
        help="never write the cache (same as CRDS_READONLY_CACHE=1)")
    add("--stats", action="store_true", default=False,
        help="log the elapsed time of the command at the end")
    add_observatory_switches(add, lambda switch: f"use {switch.observatory.upper()} "
                                                 "conventions when the observatory is not evident")
    add("-V", "--version", action="version", version=f"opencrds {__version__}",
        help="print the version and exit")


@functools.cache
def valued_switches() -> frozenset[str]:
    """The shared switches that take the next word as their value (``--verbosity 2``)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_shared_arguments(parser)
    return frozenset(flag for action in parser._actions if action.nargs != 0
                     for flag in action.option_strings)


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or leave alone, for None) environment variables for the duration of a run."""
    saved = {name: os.environ.get(name) for name, value in values.items() if value is not None}
    os.environ.update({name: value for name, value in values.items() if value is not None})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_with_switches(args: argparse.Namespace, run: Callable[[argparse.Namespace], int],
                      argv: list[str]) -> int:
    """Run ``run(args)`` honouring ``--dump-cmdline``, ``--readonly-cache``, the observatory
    switches, ``--stats``, ``--profile`` and ``--pdb``."""
    from .common import log, log_times

    if getattr(args, "dump_cmdline", False):
        log.info("Command: %s", " ".join(["opencrds", *argv]))
    readonly = "1" if getattr(args, "readonly_cache", False) else None
    observatory = getattr(args, "observatory", None)
    started = datetime.now()
    with _environment(CRDS_READONLY_CACHE=readonly,
                      CRDS_OBSERVATORY=observatory if isinstance(observatory, str) else None):
        if getattr(args, "pdb", False):
            import pdb

            result = pdb.runcall(run, args)
        elif getattr(args, "profile", None):
            profiler = cProfile.Profile()
            try:
                result = profiler.runcall(run, args)
            finally:
                profiler.dump_stats(args.profile)
                print(f"profile statistics written to {args.profile}", file=sys.stderr)
        else:
            result = run(args)
    if getattr(args, "stats", False) and "--stats" not in getattr(args, "_own_options", ()):
        log_times(started, datetime.now())
    return int(result or 0)

"""The ``opencrds`` command: ``opencrds [shared options] COMMAND [options]``.

Each command is a module (or a package of modules) exposing ``add_arguments(parser)`` and
``run(args) -> int``. Only the module of the command being run is imported, so
``opencrds --help`` stays fast.

Exit status: the command's own (bestrefs: 0 or 1); 2 for a usage error (unknown command, bad
option); 1 when a command stops on an error, printed as one ``CRDS - ERROR -`` line on stderr
(``--debug-traceback`` re-raises it instead); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .switches import add_shared_arguments, run_with_switches, valued_switches

#: command name -> (module, one-line summary). To add a command, write the module (or, for
#: more than one module, a package) in ``opencrds/tools/`` and list it here.
COMMANDS: dict[str, tuple[str, str]] = {
    "bestrefs": ("opencrds.tools.bestrefs",
                 "compute best references for dataset headers under a context"),
    "serve": ("opencrds.server.serve", "run the OpenCRDS server (JSON-RPC, downloads, admin)"),
    "manage": ("opencrds.server.manage", "run a Django management command of the server"),
    "certify": ("opencrds.tools.certify", "check references and rules before delivery"),
    "checksum": ("opencrds.tools.checksum", "add or verify mapping sha1sums, FITS checksums"),
    "refactor": ("opencrds.tools.refactor", "insert, replace or delete references in an rmap"),
    "newcontext": ("opencrds.tools.newcontext", "new imaps and pmap from a context and new rmaps"),
    "diff": ("opencrds.tools.diff", "logical differences of mappings, FITS/text diffs of files"),
    "uses": ("opencrds.tools.uses", "list the cached mappings that refer to given files"),
    "uniqname": ("opencrds.tools.uniqname", "rename HST references to unique timestamp names"),
    "sync": ("opencrds.tools.sync", "download, verify, organize and purge the local CRDS cache"),
    "list": ("opencrds.tools.list", "list cache, configuration, contexts and file information"),
    "rowdiff": ("opencrds.tools.rowdiff", "row-by-row differences of FITS table extensions"),
    "sql": ("opencrds.tools.sql", "run SQL queries on the cached CRDS catalog database"),
    "matches": ("opencrds.tools.matches", "show the rule criteria that select references"),
    "submit": ("opencrds.tools.submit", "submit references and rules to the server for delivery"),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``selected``'s module is imported to add its options."""
    parser = argparse.ArgumentParser(
        prog="opencrds",
        description="OpenCRDS: calibration reference data system tools.",
        epilog="Run 'opencrds COMMAND --help' for the options of a command.",
    )
    add_shared_arguments(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (module_name, summary) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        if name == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            own_options = frozenset(sub._option_string_actions)
            add_shared_arguments(sub, in_command=True)
            sub.set_defaults(_module=module, _own_options=own_options)
    return parser


def _command_index(argv: Sequence[str]) -> int | None:
    """Where the command name is: the first word that is not a shared switch or its value."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in COMMANDS:
            return index
        if not word.startswith("-") or word == "--":
            return None
        index += 2 if word in valued_switches() else 1
    return None


def _selected_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line."""
    index = _command_index(argv)
    return None if index is None else argv[index]


def _switches_after_command(argv: list[str]) -> list[str]:
    """``[switches] COMMAND [options]`` as ``COMMAND [switches] [options]``: a shared switch
    means the same before the command name as after it, also where the command defines it
    itself (``list -H``, ``sync --stats``). Help before the command stays the top-level help."""
    index = _command_index(argv)
    if not index or any(word in ("-h", "--help") for word in argv[:index]):
        return argv
    return [argv[index], *argv[:index], *argv[index + 1:]]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``opencrds`` console script."""
    argv = _switches_after_command(list(sys.argv[1:] if argv is None else argv))
    selected = _selected_command(argv)
    parser = build_parser(selected)
    if not argv:
        parser.print_help(sys.stderr)
        return 2
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("opencrds: error: no command given", file=sys.stderr)
        return 2

    # imported here: it loads the rules package, which --help and usage errors do not need
    from .. import observatories  # noqa: F401  (registers every mission the rules must know)
    from .common import env_verbosity, log, one_line, restore_logging, setup_logging

    setup_logging(env_verbosity() if args.verbosity is None else args.verbosity,
                  log_time=args.log_time)
    try:
        return run_with_switches(args, args._module.run, argv)
    except KeyboardInterrupt:
        log.error("Interrupted.")
        return 130
    except BrokenPipeError:
        # stdout was closed early (e.g. piped into head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if args.debug_traceback:
            raise
        log.error("%s", one_line(exc))
        return 1
    finally:
        restore_logging()


if __name__ == "__main__":
    sys.exit(main())

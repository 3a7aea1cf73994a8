"""Every option of every command explains itself in one line of ``--help`` (issues 5 and 6)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from opencrds.tools.main import COMMANDS, build_parser

BIN = Path(sys.executable).parent


def _command_parser(name: str) -> argparse.ArgumentParser:
    parser = build_parser(name)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices[name]


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [action for action in parser._actions if action.option_strings]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_one_line_of_help(name: str) -> None:
    missing, long = [], []
    for action in _options(_command_parser(name)):
        text = action.help
        if not text or text == argparse.SUPPRESS:
            missing.append(action.option_strings[0])
        elif "\n" in text or len(text) > 200:
            long.append(action.option_strings[0])
    assert not missing, f"{name}: options without help: {missing}"
    assert not long, f"{name}: help longer than one line: {long}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_runs_and_names_every_option(name: str) -> None:
    done = subprocess.run([str(BIN / "opencrds"), name, "--help"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: opencrds " + name)
    for action in _options(_command_parser(name)):
        assert action.option_strings[-1] in done.stdout, action.option_strings


def test_shared_switches_in_every_command() -> None:
    shared = {"--verbose", "--verbosity", "--debug-traps", "--version"}
    for name in COMMANDS:
        strings = {s for a in _options(_command_parser(name)) for s in a.option_strings}
        assert shared <= strings, (name, shared - strings)

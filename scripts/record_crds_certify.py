"""Record what ``crds certify`` (the oracle) says about every file of the shared test data.

Each file is certified the way a user runs it: from the file's directory, by bare name, with
``--comparison-context`` set to the newest numbered context of the file's mission in the
shared cache and only ``CRDS_OBSERVATORY`` naming the mission (``CRDS_PATH`` = the shared
cache, ``CRDS_MODE=local``, ``CRDS_READONLY_CACHE=1``; no observatory switch, no ``-z``). The
mission is the first folder under ``crds-test-data`` (``hst``, ``jwst``, ``roman``); files at
the top level are certified as JWST, crds's default observatory.

Writes ``tests/certify/data/crds_certify.json``: per file, the context, exit status, error and
warning counts, every ERROR message and the WARNING messages of the file-reading libraries
(``<Category>Warning : <module> : ...``), each as one line (paths of the shared data written as
``$SHARED``)::

    .venv/bin/python scripts/record_crds_certify.py [--shared DIR] [--only KEY ...]

``--only`` re-records some files and keeps the others. It takes a while (the oracle needs a
few seconds per file, and minutes for ``hst/synphot_thruput.rmap``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "tests" / "certify" / "data" / "crds_certify.json"
MISSIONS = ("hst", "jwst", "roman")
DEFAULT_MISSION = "jwst"
_LINE = re.compile(r"^CRDS - (ERROR|WARNING|INFO|DEBUG|FATAL) - {1,2}(.*)$")
#: A warning of a library that reads files (astropy, asdf, stdatamodels), as certify logs it.
LIBRARY_WARNING = re.compile(r"^[A-Z]\w*Warning : [\w.]+ : ")


def shared_dir(given: str | None = None) -> Path:
    """``--shared``, else ``$OPENCRDS_SHARED_DATA``, else ``../shared/data`` beside the repo."""
    if given:
        return Path(given)
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def mission_of(key: str) -> str:
    """The mission a test-data file belongs to: its first folder, else JWST."""
    first = key.split("/", 1)[0]
    return first if "/" in key and first in MISSIONS else DEFAULT_MISSION


def latest_contexts(cache: Path) -> dict[str, str]:
    """The newest numbered ``<obs>_NNNN.pmap`` of each mission in ``cache``."""
    found = {}
    for obs in MISSIONS:
        names = sorted(p.name for p in (cache / "mappings" / obs).glob(f"{obs}_[0-9]*.pmap"))
        if names:
            found[obs] = names[-1]
    return found


def test_files(test_data: Path) -> list[str]:
    """Every file under ``test_data`` (sub-folders included), as POSIX keys, sorted."""
    return sorted(p.relative_to(test_data).as_posix() for p in test_data.rglob("*")
                  if p.is_file())


def user_environment(cache: Path, observatory: str) -> dict[str, str]:
    """The environment of a user working offline on ``cache`` with only the mission named."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRDS_", "OPENCRDS_"))}
    env.update(CRDS_PATH=str(cache), CRDS_MODE="local", CRDS_READONLY_CACHE="1",
               CRDS_OBSERVATORY=observatory)
    return env


def parse_output(text: str, shared: Path) -> dict[str, Any]:
    """Counts, ERROR messages and library WARNING messages of a certify run's log output
    (see :func:`summary_line`)."""
    found: list[tuple[str, list[str]]] = []
    counts = {"errors": 0, "warnings": 0}
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            if found and line.strip():
                found[-1][1].append(line.rstrip())
            continue
        level, message = match.groups()
        summary = re.fullmatch(r"(\d+) (errors|warnings)", message.strip())
        if level == "INFO" and summary:
            counts[summary.group(2)] = int(summary.group(1))
        found.append((level, [message.rstrip()]))
    messages = [[level, normalize(summary_line(lines), shared)] for level, lines in found
                if level == "ERROR" or (level == "WARNING" and LIBRARY_WARNING.match(lines[0]))]
    return {**counts, "messages": messages}


def summary_line(lines: list[str]) -> str:
    """A message as one line: its first line, and for a multi-line message also its last
    (a trial rmap insertion prints the header between the two)."""
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1].strip()}"


def normalize(message: str, shared: Path) -> str:
    """Paths of the shared data as ``$SHARED`` (no machine's path in recorded data)."""
    for root in {str(shared), str(shared.resolve())}:
        message = message.replace(root, "$SHARED")
    return message


def run_crds(test_data: Path, cache: Path, key: str, context: str,
             timeout: float = 3600) -> dict[str, Any]:
    """Certify one file with the real ``crds`` as a user would; its recorded outcome."""
    path = test_data / key
    crds = Path(sys.executable).parent / "crds"
    done = subprocess.run(
        [str(crds), "certify", path.name, "--comparison-context", context],
        cwd=path.parent, env=user_environment(cache, mission_of(key)), capture_output=True,
        text=True, timeout=timeout, check=False)
    shared = test_data.parent
    return {"context": context, "exit": done.returncode,
            **parse_output(done.stdout + done.stderr, shared)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", help="the shared data directory")
    parser.add_argument("--only", nargs="*", default=None, help="re-record only these keys")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the JSON file to write")
    parser.add_argument("--part", default="1/1", metavar="I/N",
                        help="record only the I-th of N equal parts of the files")
    args = parser.parse_args(argv)
    shared = shared_dir(args.shared)
    test_data, cache = shared / "crds-test-data", shared / "crds-cache"
    contexts = latest_contexts(cache)
    recorded: dict[str, Any] = {}
    if args.output.is_file():
        recorded = json.loads(args.output.read_text(encoding="utf-8"))
    keys = args.only if args.only else test_files(test_data)
    if not args.only:
        recorded = {}
    part, parts = (int(n) for n in args.part.split("/"))
    size = -(-len(keys) // parts)
    keys = keys[(part - 1) * size:part * size]
    for number, key in enumerate(keys, start=1):
        recorded[key] = run_crds(test_data, cache, key, contexts[mission_of(key)])
        print(f"{number}/{len(keys)} {key}: {recorded[key]['errors']} errors "
              f"{recorded[key]['warnings']} warnings", flush=True)
        _write(recorded, args.output)
    return 0


def _write(recorded: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = output.with_suffix(".tmp")
    temp.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n",
                    encoding="utf-8")
    temp.replace(output)


if __name__ == "__main__":
    sys.exit(main())

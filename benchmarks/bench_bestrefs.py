"""``bestrefs`` over a large batch: ``opencrds bestrefs`` against the real ``crds bestrefs``.

Run ``python benchmarks/bench_bestrefs.py`` (``--datasets 2000`` for a quicker run). It makes a
parameter file of ``--datasets`` distinct HST headers derived from the rules of ``--context``
(``opencrds.testing.headers.headers_for_context(..., odd=False, complete=True)``, made-up dataset
ids, one ``{id: header}`` JSON object per line as ``crds bestrefs --save-pickle`` writes), then
runs, each as a subprocess with the same arguments::

    crds bestrefs     --hst --load-pickles FILE --new-context CONTEXT --print-new-references
    opencrds bestrefs --hst --load-pickles FILE --new-context CONTEXT --print-new-references
    opencrds bestrefs ... -j N

``--hst`` tells crds the observatory: the benchmark's serverless ``CRDS_SERVER_URL`` names none,
and without it crds takes JWST and logs a multi-line warning per dataset. crds runs offline on
the cache: ``CRDS_PATH=<cache>``, ``CRDS_MODE=local``, ``CRDS_READONLY_CACHE=1``, an unused
``CRDS_SERVER_URL``.

It reports wall time and CPU time (user + system of the child) per run, crds / opencrds
ratios, and checks that every run printed the same result lines (sorted), the same ERROR lines
and the same exit status. The markdown row printed last is the one for the README; results go
to ``benchmarks/results/bestrefs_latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_paths import default_cache

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = default_cache()
RESULTS = HERE / "results" / "bestrefs_latest.json"


def make_parameter_file(context: str, cache: Path, count: int, seed: int, path: Path) -> int:
    """Write ``count`` distinct headers for ``context`` as JSON lines; returns how many."""
    import opencrds
    from opencrds.testing.headers import headers_for_context

    ctx = opencrds.load_context(context, cache=cache)
    rng = random.Random(f"{seed}:{context}")
    seen: set[tuple] = set()
    with open(path, "w", encoding="utf-8") as stream:
        for _attempt in range(200):
            for _filekind, header in headers_for_context(ctx, rng, per_type=60, odd=False,
                                                         complete=True):
                key = tuple(sorted((str(k), str(v)) for k, v in header.items()))
                if key in seen:
                    continue
                seen.add(key)
                dataset = f"BR{len(seen):07d}Q"
                stream.write(json.dumps({f"{dataset}:{dataset}": header}) + "\n")
                if len(seen) >= count:
                    return count
    return len(seen)


def child_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(CRDS_PATH=str(cache), CRDS_MODE="local", CRDS_SERVER_URL="https://localhost:1",
               CRDS_READONLY_CACHE="1")
    return env


def tool_command(tool: str) -> list[str]:
    """The console script of ``tool`` beside this Python, else ``python -m``."""
    script = Path(sys.executable).with_name(tool)
    if script.is_file():
        return [str(script)]
    module = "crds.bestrefs" if tool == "crds" else "opencrds.tools.main"
    return [sys.executable, "-m", module]


def run_tool(label: str, command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one command; wall and CPU time, exit status, sorted result and ERROR lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    errors = sorted(line for line in proc.stderr.splitlines() if " - ERROR - " in line)
    summary = [line for line in proc.stderr.splitlines()[-3:] if line.startswith("CRDS - INFO")]
    print(f"  {label:22s} {wall:8.2f} s wall {cpu:8.2f} s cpu  exit {proc.returncode}  "
          f"{len(proc.stdout.splitlines())} result lines  {len(errors)} errors")
    return {"label": label, "wall": wall, "cpu": cpu, "returncode": proc.returncode,
            "results": sorted(proc.stdout.splitlines()), "errors": errors,
            "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--context", default="hst_0729.pmap")
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--processes", "-j", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the parameter file in this directory")
    args = parser.parse_args(argv)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench_bestrefs_"))
    workdir.mkdir(parents=True, exist_ok=True)
    params = workdir / f"bestrefs_{args.context.split('.')[0]}_{args.datasets}.json"
    made = make_parameter_file(args.context, args.cache, args.datasets, args.seed, params)
    print(f"{made} datasets for {args.context} in {params} "
          f"({params.stat().st_size / 1e6:.1f} MB)")
    common = ["bestrefs", "--hst", "--load-pickles", str(params), "--new-context",
              args.context, "--print-new-references"]
    env = child_env(args.cache)
    runs = [
        run_tool("crds", [*tool_command("crds"), *common], env),
        run_tool("opencrds", [*tool_command("opencrds"), *common], env),
        run_tool(f"opencrds -j {args.processes}",
                 [*tool_command("opencrds"), *common, "-j", str(args.processes)], env),
    ]
    crds, ours, parallel = runs
    same = all(run[key] == crds[key] for run in runs[1:]
               for key in ("results", "errors", "returncode"))
    same_summary = all(run["summary"] == crds["summary"] for run in runs[1:])
    print(f"same result lines, ERROR lines and exit status: {same}; "
          f"same closing summary: {same_summary}")
    report = {
        "datasets": made, "context": args.context, "processes": args.processes,
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "same": same,
        "same_summary": same_summary, "load_average": os.getloadavg(),
        "runs": [{k: v for k, v in run.items() if k not in ("results", "errors")}
                 for run in runs],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")

    def ratio(key: str, run: dict[str, Any]) -> str:
        return f"{crds[key] / run[key]:.1f}x" if run[key] > 0 else "-"

    print()
    print("| bestrefs batch | crds 14.0.3 | opencrds | speed-up | "
          f"opencrds -j {args.processes} | speed-up | same results |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {made:,} {args.context} datasets (wall / cpu) "
          f"| {crds['wall']:.1f} s / {crds['cpu']:.1f} s "
          f"| {ours['wall']:.1f} s / {ours['cpu']:.1f} s "
          f"| {ratio('wall', ours)} / {ratio('cpu', ours)} "
          f"| {parallel['wall']:.1f} s / {parallel['cpu']:.1f} s "
          f"| {ratio('wall', parallel)} / {ratio('cpu', parallel)} | {'yes' if same else 'NO'} |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

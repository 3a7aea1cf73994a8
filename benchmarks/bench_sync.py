"""``sync`` from one server: ``opencrds sync`` against the real ``crds sync``, same files.

Run ``python benchmarks/bench_sync.py`` (``--quick`` for one round). The script imports a CRDS
cache (``--cache``, default the shared one) into a temporary ``OPENCRDS_HOME`` (SQLite) and
starts one ``opencrds serve`` on 127.0.0.1; then, against that one server, it times::

    crds sync     --contexts CONTEXT           opencrds sync     --contexts CONTEXT
    crds sync     --files REF...               opencrds sync     --files REF...

each into a fresh empty cache (``CRDS_PATH`` = a new temporary folder, ``CRDS_SERVER_URL`` = the
server, ``CRDS_OBSERVATORY`` = its observatory). ``REF...`` are all the references the server
holds: the names ``list_references`` returns whose bytes are in the server's file store
(the others are catalogued but not downloadable). Each command is one subprocess, timed wall
and CPU (user + system); the tools alternate which goes first, ``--repeat`` rounds, medians.

After every run both caches must hold the same files (path under ``mappings/`` and
``references/``, size and sha1), all the files asked for, and the same ``config/`` file names;
the script stops with an error otherwise. The markdown table printed last is the one for the
README; results go to ``benchmarks/results/sync_latest.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_paths import default_cache
from bench_server import rpc, start_server

from opencrds.protocol import crds_decode

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = default_cache()
RESULTS = HERE / "results" / "sync_latest.json"
TOOLS = ("crds", "opencrds")


def tool_command(tool: str) -> list[str]:
    """The console script of ``tool`` beside this Python, else ``python -m``."""
    script = Path(sys.executable).with_name(tool)
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "crds.sync" if tool == "crds" else "opencrds.tools.main"]


def client_env(url: str, observatory: str, cache: Path) -> dict[str, str]:
    """The environment of one sync: no inherited CRDS/OpenCRDS settings, this server."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRDS_", "OPENCRDS_", "DJANGO_"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1"
    env.update(CRDS_SERVER_URL=url, CRDS_OBSERVATORY=observatory, CRDS_PATH=str(cache))
    return env


def cache_files(cache: Path) -> dict[str, tuple[int, str]]:
    """``{relative path: (size, sha1)}`` of the mappings and references of a cache."""
    found: dict[str, tuple[int, str]] = {}
    for branch in ("mappings", "references"):
        for path in sorted((cache / branch).rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                found[str(path.relative_to(cache))] = (len(data), hashlib.sha1(data).hexdigest())
    return found


def config_names(cache: Path) -> list[str]:
    folder = cache / "config"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def run_sync(tool: str, args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """One ``<tool> sync ...`` subprocess: wall and CPU seconds, exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.run([*tool_command(tool), "sync", *args], env=env, stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"tool": tool, "wall": wall, "cpu": cpu, "returncode": proc.returncode,
            "log": str(log)}


def compare(phase: str, caches: dict[str, Path], expected: list[str]) -> tuple[int, int]:
    """Both caches equal and complete; (files, bytes). Exits with a message otherwise."""
    files = {tool: cache_files(cache) for tool, cache in caches.items()}
    a, b = (files[tool] for tool in TOOLS)
    if a != b:
        only = sorted(set(a) ^ set(b))[:5]
        differ = sorted(k for k in set(a) & set(b) if a[k] != b[k])[:5]
        raise SystemExit(f"{phase}: caches differ: only in one {only}, different {differ}")
    names = {Path(k).name for k in a}
    missing = sorted(set(expected) - names)
    if missing:
        raise SystemExit(f"{phase}: {len(missing)} files not synced, e.g. {missing[:5]}")
    configs = {tool: config_names(cache) for tool, cache in caches.items()}
    if configs["crds"] != configs["opencrds"]:
        raise SystemExit(f"{phase}: config files differ: {configs}")
    return len(a), sum(size for size, _ in a.values())


def held_references(url: str, observatory: str, home: Path) -> list[str]:
    """References the server catalogs and can serve (their bytes are in its store)."""
    store = home / "cache" / "references" / observatory
    stored = {p.name for p in store.rglob("*") if p.is_file()} if store.is_dir() else set()
    return sorted(set(crds_decode(rpc(url, "list_references", observatory, "*"))) & stored)


def measure(url: str, observatory: str, phases: dict[str, list[str]], expected: dict[str, list],
            repeat: int, workdir: Path) -> dict[str, Any]:
    """Every phase ``repeat`` times for both tools; per phase the runs, medians and ratio."""
    report: dict[str, Any] = {}
    for phase, args in phases.items():
        runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in TOOLS}
        for round_ in range(repeat):
            order = TOOLS if round_ % 2 == 0 else TOOLS[::-1]
            caches = {}
            for tool in order:
                cache = workdir / f"{phase}-{round_}-{tool}"
                cache.mkdir()
                caches[tool] = cache
                run = run_sync(tool, args, client_env(url, observatory, cache),
                               workdir / f"{phase}-{round_}-{tool}.log")
                if run["returncode"] != 0:
                    raise SystemExit(f"{tool} sync {phase} exited {run['returncode']}: see "
                                     f"{run['log']}")
                runs[tool].append(run)
            files, size = compare(phase, caches, expected[phase])
            print(f"  {phase:10s} round {round_ + 1}: " + "  ".join(
                f"{tool} {runs[tool][-1]['wall']:6.2f} s" for tool in TOOLS)
                + f"  ({files} files, same in both caches)", file=sys.stderr)
            for cache in caches.values():
                shutil.rmtree(cache)
        wall = {tool: statistics.median(r["wall"] for r in runs[tool]) for tool in TOOLS}
        cpu = {tool: statistics.median(r["cpu"] for r in runs[tool]) for tool in TOOLS}
        report[phase] = {"files": files, "bytes": size, "args": args, "wall": wall, "cpu": cpu,
                         "ratio": wall["crds"] / wall["opencrds"],
                         "cpu_ratio": cpu["crds"] / max(cpu["opencrds"], 1e-9),
                         "runs": runs}
    return report


def table(report: dict[str, Any], context: str, repeat: int) -> str:
    labels = {"mappings": f"`sync --contexts {context}` (every mapping)",
              "references": "`sync --files` every reference the server holds"}
    lines = [f"| sync into an empty cache (median of {repeat}) | files | MB | crds 14.0.3 "
             "| opencrds | ratio | CPU crds / opencrds |",
             "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for phase, row in report.items():
        lines.append(
            f"| {labels.get(phase, phase)} | {row['files']} | {row['bytes'] / 1e6:.2f} "
            f"| {row['wall']['crds']:.2f} s | {row['wall']['opencrds']:.2f} s "
            f"| {row['ratio']:.1f}x faster | {row['cpu']['crds']:.2f} s / "
            f"{row['cpu']['opencrds']:.2f} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="CRDS cache imported into the server")
    parser.add_argument("--observatory", default="hst", help="observatory served")
    parser.add_argument("--context", default="hst_0729.pmap", help="context to sync")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per phase (median)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--quick", action="store_true", help="smoke run: one round")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    if not (args.cache / "mappings" / args.observatory).is_dir():
        raise SystemExit(f"no CRDS cache at {args.cache} (use --cache)")
    if importlib.util.find_spec("crds") is None:
        raise SystemExit(f"crds is not installed for {sys.executable} (pip install crds==14.0.3)")
    workdir = Path(tempfile.mkdtemp(prefix="opencrds-bench-sync-"))
    process = None
    try:
        home = workdir / "server"
        home.mkdir()
        print(f"importing {args.cache} and starting a server for {args.observatory}...",
              file=sys.stderr)
        process, url = start_server(args.cache, args.observatory, args.workers, home)
        mappings = crds_decode(rpc(url, "get_mapping_names", args.context))
        references = held_references(url, args.observatory, home)
        if not references:
            raise SystemExit("the server holds no reference files")
        phases = {"mappings": ["--contexts", args.context],
                  "references": ["--files", *references]}
        expected = {"mappings": mappings, "references": references}
        print(f"server {url}: {len(mappings)} mappings in {args.context}, "
              f"{len(references)} references held", file=sys.stderr)
        report = measure(url, args.observatory, phases, expected, repeat, workdir)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        if args.keep:
            print(f"work folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "context": args.context, "observatory": args.observatory, "repeat": repeat,
        "server_workers": args.workers, "python": sys.version.split()[0],
        "cpus": os.cpu_count(), "load_average": os.getloadavg(), "phases": report,
    }, indent=2) + "\n")
    print(table(report, args.context, repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())

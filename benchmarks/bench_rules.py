"""Best-reference and context-loading speed: opencrds against the real crds 14.0.3.

Run ``python benchmarks/bench_rules.py`` (add ``--quick`` for a smoke run).  Every measurement
runs in a fresh interpreter (``bench_child.py``), with the same Python and the same headers for
both tools, and the results are compared header by header.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench_paths import default_cache

HERE = Path(__file__).resolve().parent
CHILD = HERE / "bench_child.py"
DEFAULT_CACHE = default_cache()
RESULTS = HERE / "results" / "latest.json"
TOOLS = ("crds", "opencrds")

# Acceptance targets (issue text): speed-up of opencrds over crds, or memory fraction.
TARGET_COLD = 3.0
TARGET_WARM = 10.0
TARGET_LOADALL = 5.0
TARGET_MEMORY = 1 / 3


# ---- headers ---------------------------------------------------------------------------------

def _header_key(header: dict[str, Any]) -> tuple:
    return tuple(sorted((str(k), repr(v)) for k, v in header.items()))


def make_headers(context: str, cache: Path, count: int, seed: int) -> dict[str, list[dict]]:
    """``2 * count`` distinct headers derived from ``context``'s rules: cold and warm halves."""
    import opencrds
    from opencrds.testing.headers import headers_for_context

    ctx = opencrds.load_context(context, cache=cache)
    rng = random.Random(f"{seed}:{context}")
    distinct: dict[tuple, dict[str, Any]] = {}
    for attempt in range(20):
        for _filekind, header in headers_for_context(
                ctx, rng, per_type=10 + 10 * attempt, odd=False, complete=True):
            distinct.setdefault(_header_key(header), header)
        if len(distinct) >= 2 * count:
            break
    headers = list(distinct.values())
    if len(headers) < 2 * count:
        raise SystemExit(f"only {len(headers)} distinct headers for {context}, need {2 * count}")
    rng.shuffle(headers)
    return {"context": context, "cold": headers[:count], "warm": headers[count:2 * count]}


# ---- children --------------------------------------------------------------------------------

def child_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    env.update(
        CRDS_PATH=str(cache),
        CRDS_MODE="local",
        CRDS_SERVER_URL="https://localhost:1",  # never contacted in local mode
        CRDS_READONLY_CACHE="1",
    )
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_child(spec: dict[str, Any], workdir: Path, python: str, cache: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    tag = f"{spec['mode']}-{spec['tool']}-{spec.get('context', 'all')}-{time.monotonic_ns()}"
    spec = dict(spec, cache=str(cache), out=str(workdir / f"{tag}.out.json"))
    spec_path = workdir / f"{tag}.spec.json"
    spec_path.write_text(json.dumps(spec))
    spec["spawn"] = time.time()
    spec_path.write_text(json.dumps(spec))  # rewritten so spawn is as late as possible
    proc = subprocess.run(
        [python, str(CHILD), str(spec_path)], cwd=workdir, env=child_env(cache),
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"child {tag} failed with status {proc.returncode}")
    result = json.loads(Path(spec["out"]).read_text())
    result["stderr_lines"] = proc.stderr.count("\n")  # log output (warnings) of the tool
    return result


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Fastest of repeated runs, field by field (times: min; peak memory: max)."""
    best = dict(runs[0])
    for run in runs[1:]:
        for key, value in run.items():
            if key.endswith("_s"):
                best[key] = min(best[key], value)
            elif key.endswith("_mib") or key == "stderr_lines":
                best[key] = max(best[key], value)
    best["runs"] = len(runs)
    best["all_runs"] = [{k: v for k, v in run.items() if k.endswith(("_s", "_mib"))}
                        for run in runs]
    return best


def measure(spec: dict[str, Any], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Both tools, alternating, ``args.repeat`` times each."""
    runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in TOOLS}
    for _ in range(args.repeat):
        for tool in TOOLS:
            result = run_child(dict(spec, tool=tool), workdir, args.python, args.cache)
            runs[tool].append(result)
            label = spec.get("context") or f"{len(spec['contexts'])} contexts"
            main = result.get("cold_s", result.get("wall_s"))
            print(f"  {spec['mode']:8s} {label:22s} {tool:9s} {main:8.2f} s "
                  f"{result['peak_rss_mib']:7.0f} MiB", flush=True)
    out = {}
    for tool in TOOLS:
        out[tool] = best_of(runs[tool])
        if tool == "crds" and not out[tool]["version"].startswith("14.0.3"):
            print(f"WARNING: crds version is {out[tool]['version']}, not 14.0.3")
    return out


# ---- comparing -------------------------------------------------------------------------------

def compare_lookups(headers: list[dict], crds_results: list, ours: list) -> dict[str, Any]:
    """Count headers whose results differ; keep a few examples."""
    disagreements, examples = 0, []
    for header, theirs, mine in zip(headers, crds_results, ours, strict=True):
        if theirs == mine:
            continue
        disagreements += 1
        if len(examples) < 5:
            if isinstance(theirs, dict) and isinstance(mine, dict):
                keys = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
                diff = {k: {"crds": theirs.get(k), "opencrds": mine.get(k)} for k in keys}
            else:
                diff = {"crds": theirs, "opencrds": mine}
            examples.append({"header": header, "diff": diff})
    return {"disagreements": disagreements, "examples": examples}


def compare_loadall(crds_result: dict, ours: dict) -> dict[str, Any]:
    both = set(crds_result["digests"]) & set(ours["digests"])  # loaded by both tools
    differ = sorted(n for n in both if crds_result["digests"][n] != ours["digests"][n])
    return {
        "disagreements": len(differ),
        "examples": [
            {"context": n, "crds": crds_result["counts"].get(n), "opencrds": ours["counts"].get(n)}
            for n in differ[:5]
        ],
        "failed_only_crds": sorted(set(crds_result["failures"]) - set(ours["failures"])),
        "failed_only_opencrds": sorted(set(ours["failures"]) - set(crds_result["failures"])),
    }


# ---- reporting -------------------------------------------------------------------------------

def _row(name: str, crds_value: float, ours: float, unit: str, target: float | None,
         memory: bool = False) -> dict[str, Any]:
    ratio = ours / crds_value if memory else crds_value / ours
    met = None if target is None else (ratio <= target if memory else ratio >= target)
    return {"benchmark": name, "crds": crds_value, "opencrds": ours, "unit": unit,
            "ratio": ratio, "memory": memory, "target": target, "met": met}


def _fmt_value(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.3f} ms"
    return f"{value:.0f} MiB"


def _fmt_ratio(row: dict[str, Any]) -> str:
    if row["memory"]:
        text = f"{row['ratio']:.2f} of crds"
        target = f" (target ≤ {row['target']:.2f})" if row["target"] else ""
    else:
        text = f"{row['ratio']:.1f}x faster"
        target = f" (target ≥ {row['target']:g}x)" if row["target"] else ""
    mark = "" if row["met"] is None else (" ✅" if row["met"] else " ❌")
    return text + target + mark


def build_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for context, entry in report["lookup"].items():
        c, o = entry["crds"], entry["opencrds"]
        short = context.replace(".pmap", "")
        rows.append(_row(f"{short} cold: import + load + {c['n_cold']} headers",
                         c["cold_s"], o["cold_s"], "s", TARGET_COLD))
        rows.append(_row(f"{short} warm: {c['n_warm']} further headers",
                         c["warm_s"], o["warm_s"], "s", TARGET_WARM))
        rows.append(_row(f"{short} warm: per header",
                         1000 * c["warm_s"] / c["n_warm"], 1000 * o["warm_s"] / o["n_warm"],
                         "ms", None))
        rows.append(_row(f"{short} peak RSS", c["peak_rss_mib"], o["peak_rss_mib"],
                         "MiB", None, memory=True))
    if "loadall" in report:
        c, o = report["loadall"]["crds"], report["loadall"]["opencrds"]
        n = c["n_contexts"]
        what = ", + reference_names()" if report["meta"]["references"] else ""
        rows.append(_row(f"load all {n} HST contexts (import + every imap/rmap{what})",
                         c["wall_s"], o["wall_s"], "s", TARGET_LOADALL))
        rows.append(_row(f"load all {n} HST contexts: peak RSS", c["peak_rss_mib"],
                         o["peak_rss_mib"], "MiB", TARGET_MEMORY, memory=True))
    return rows


def markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    lines = [
        "| benchmark | crds 14.0.3 | opencrds | ratio |",
        "| --- | ---: | ---: | --- |",
    ]
    for row in report["rows"]:
        lines.append(f"| {row['benchmark']} | {_fmt_value(row['crds'], row['unit'])} | "
                     f"{_fmt_value(row['opencrds'], row['unit'])} | {_fmt_ratio(row)} |")
    checks = []
    for context, entry in report["lookup"].items():
        checks.append(f"{context}: {entry['compare']['disagreements']} of "
                      f"{entry['compare']['headers']} headers disagree (log lines: crds "
                      f"{entry['crds'].get('stderr_lines')}, opencrds "
                      f"{entry['opencrds'].get('stderr_lines')})")
    if "loadall" in report:
        la = report["loadall"]
        checks.append(f"load-all: {la['compare']['disagreements']} of the contexts loaded by "
                      "both list different mappings/references; contexts failing to load: crds "
                      f"{la['crds']['n_failures']}, opencrds {la['opencrds']['n_failures']}")
    quick = " (--quick: not the acceptance figures)" if meta["quick"] else ""
    same = "Same headers for both tools; " if report["lookup"] else ""
    note = (f"Measured {meta['date']} at {meta['source']} with Python {meta['python']} on "
            f"{meta['cpus']} CPU(s), load average {meta['loadavg']} at start; best of "
            f"{meta['repeat']} run(s){quick}. {same}{'; '.join(checks)}.")
    return "\n".join([*lines, "", note])


def source_state() -> str:
    """The commit of the checkout, and whether src/ has uncommitted changes."""
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=HERE.parent, capture_output=True,
                                  text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted src/ changes" if git("status", "--porcelain", "src") else "")


def print_profile(path: Path, limit: int = 10) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(limit)


# ---- main ------------------------------------------------------------------------------------

def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 50 headers, 40 contexts")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="CRDS cache root")
    parser.add_argument("--contexts", nargs="*", default=["jwst_0541.pmap", "hst_0729.pmap"])
    parser.add_argument("--headers", type=int, help="headers per phase (default 500, quick 50)")
    parser.add_argument("--max-contexts", type=int,
                        help="load-all: only the first N HST contexts (default all, quick 40)")
    parser.add_argument("--skip-loadall", action="store_true")
    parser.add_argument("--references", action="store_true",
                        help="load-all: also list every context's reference files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the best is kept")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--python", default=sys.executable, help="interpreter for both tools")
    parser.add_argument("--profile", action="store_true",
                        help="also profile opencrds' warm phase and print the top 10 functions")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.headers is None:
        args.headers = 50 if args.quick else 500
    if args.max_contexts is None and args.quick:
        args.max_contexts = 40
    return args


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    args.cache = args.cache.resolve()
    report: dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "repeat": args.repeat,
            "quick": args.quick,
            "headers": args.headers,
            "references": args.references,
            "cache": str(args.cache),
            "source": source_state(),
        },
        "lookup": {},
    }
    with tempfile.TemporaryDirectory(prefix="opencrds-bench-") as tmp:
        workdir = Path(tmp)
        for context in args.contexts:
            headers = make_headers(context, args.cache, args.headers, args.seed)
            path = workdir / f"headers-{context}.json"
            path.write_text(json.dumps(headers))
            spec = {"mode": "lookup", "context": context, "headers": str(path)}
            print(f"{context}: {len(headers['cold'])} cold + {len(headers['warm'])} warm "
                  "distinct headers", flush=True)
            result = measure(spec, args, workdir)
            every = headers["cold"] + headers["warm"]
            compare = compare_lookups(every, result["crds"].pop("results"),
                                      result["opencrds"].pop("results"))
            compare["headers"] = len(every)
            result["compare"] = compare
            report["lookup"][context] = result
            if args.profile:
                profile = workdir / f"{context}.prof"
                run_child(dict(spec, tool="opencrds", profile=str(profile)), workdir,
                          args.python, args.cache)
                print(f"\nopencrds warm phase on {context}, top 10 by tottime:")
                print_profile(profile)

        if not args.skip_loadall:
            names = sorted(p.name for p in (args.cache / "mappings" / "hst").glob("*.pmap"))
            if args.max_contexts:
                names = names[:args.max_contexts]
            print(f"load-all: {len(names)} HST contexts", flush=True)
            spec = {"mode": "loadall", "contexts": names, "references": args.references}
            result = measure(spec, args, workdir)
            result["compare"] = compare_loadall(result["crds"], result["opencrds"])
            for tool in TOOLS:
                result[tool].pop("digests")
                result[tool].pop("counts")
            report["loadall"] = result

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    report["rows"] = build_rows(report)
    report["markdown"] = markdown(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    print()
    for context, entry in report["lookup"].items():
        for example in entry["compare"]["examples"][:3]:
            print(f"DISAGREEMENT {context}: {json.dumps(example)[:600]}")
    if "loadall" in report:
        la = report["loadall"]
        for tool in TOOLS:
            for name, error in sorted(la[tool]["failures"].items()):
                print(f"load-all failure ({tool}) {name}: {error[:200]}")
        for example in la["compare"]["examples"]:
            print(f"DISAGREEMENT load-all: {json.dumps(example)}")
    print()
    print(report["markdown"])
    print()
    targets = [row for row in report["rows"] if row["met"] is not None]
    for row in targets:
        print(f"{'MET    ' if row['met'] else 'NOT MET'}  {row['benchmark']}: {_fmt_ratio(row)}")
    print(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

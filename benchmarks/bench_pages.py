"""Server time of every web page on the real HST and JWST catalogs (issue #14's goal: under
300 ms for any page).

Run ``python benchmarks/bench_pages.py`` (``--observatory hst jwst`` by default). For each
observatory the script imports the shared cache into a temporary ``OPENCRDS_HOME`` (``opencrds
manage import_cache``), then, in a fresh process with Django set up on that home, requests every
page through Django's own handler (``django.test.Client``: the whole request, middleware,
view and template, without the network) after the start-up warming ``opencrds serve`` does,
and reports the first time and the median of the next ``--repeat``. The pages are named from the catalog itself: its operational
context and the one before, the largest rmap, a reference, a dataset header, and so on.
The real crds has no web server to compare with, so the table gives milliseconds, not ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_paths import REPO, default_cache, shared_data
from bench_server import _opencrds

GOAL_MS = 300.0


def _env(home: Path, observatory: str) -> dict[str, str]:
    env = dict(os.environ, OPENCRDS_HOME=str(home), OPENCRDS_OBSERVATORY=observatory,
               DJANGO_SETTINGS_MODULE="opencrds.server.settings")
    env.pop("DATABASE_URL", None)
    return env


def import_catalog(cache: Path, observatory: str, home: Path) -> None:
    """``opencrds manage import_cache`` of ``cache`` into ``home``."""
    subprocess.run([*_opencrds(), "manage", "import_cache", str(cache), "--observatory",
                    observatory], env=_env(home, observatory), check=True,
                   stdout=subprocess.DEVNULL)


def page_urls(observatory: str) -> list[tuple[str, str]]:
    """(label, URL) of every page, named from the catalog (in the Django process)."""
    from opencrds.server.catalog import queries
    from opencrds.server.catalog.models import DatasetHeader, FileRecord

    contexts = queries.default_contexts(observatory)
    operational = contexts["operational"]
    files = FileRecord.objects.filter(observatory=observatory)
    pmaps = list(files.filter(name__endswith=".pmap").order_by("name")
                 .values_list("name", flat=True))
    previous = pmaps[pmaps.index(operational) - 1] if operational in pmaps[1:] else pmaps[0]
    largest_rmap = files.filter(name__endswith=".rmap").order_by("-size").first().name
    imap = files.filter(name__endswith=".imap").order_by("-name").first().name
    reference = files.filter(type=FileRecord.Kind.REFERENCE, name__endswith=".fits") \
        .order_by("-delivery_date").first().name
    instrument = files.filter(name=largest_rmap).first().instrument
    dataset = DatasetHeader.objects.filter(observatory=observatory).first()
    urls = [
        ("home", "/"),
        ("context table", f"/context_table/{operational}"),
        ("context table, one instrument", f"/context_table/{operational}/{instrument}/"),
        ("context history", "/display_context_history/"),
        ("all contexts", "/display_all_contexts/"),
        ("build contexts", "/display_build_contexts/"),
        ("recent activity", "/recent_activity_input/"),
        ("recent activity, all pmaps", "/recent_activity_input/?extension=.pmap&action=*"),
        ("browse db form", "/browse_db/"),
        ("browse db, all files", "/browse_db/?instrument=*&filekind=*&extension=*"),
        ("browse db, JSON", "/browse_db/?instrument=*&filekind=*&extension=.pmap&format=json"),
        ("browse pmap", f"/browse/{operational}"),
        ("browse imap", f"/browse/{imap}"),
        ("browse largest rmap", f"/browse/{largest_rmap}"),
        ("browse reference", f"/browse/{reference}"),
        ("browse reference, JSON", f"/browse/{reference}?format=json"),
        ("difference of two pmaps", f"/difference/?file1={previous}&file2={operational}"),
        ("bestrefs form", "/bestrefs/"),
        ("bestrefs explore", "/bestrefs_explore/"),
        ("bestrefs explore, instrument",
         f"/bestrefs_explore/?pmap_mode=pmap_operational&instrument={instrument}"),
        ("JSON-RPC browser", "/json/browse/"),
        ("version info", "/version_info/"),
        ("command-line help", "/docs/cmdline_bestrefs/"),
        ("login", "/login/"),
        ("not found", "/browse/no_such_file.fits"),
    ]
    if dataset is not None:
        urls.append(("bestrefs of a dataset id",
                     f"/bestrefs/?dataset_mode=ids&dataset_ids={dataset.dataset_id}"))
    return urls


def measure(observatory: str, repeat: int) -> list[dict[str, Any]]:
    """Time every page (in the Django process of ``observatory``'s home)."""
    import django

    django.setup()
    from django.test import Client

    from opencrds.server.warmup import warm_operational_context

    warm_operational_context()  # as `opencrds serve` does before it forks its workers

    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for label, url in page_urls(observatory):
        times = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        rows.append({"page": label, "url": url, "status": response.status_code,
                     "bytes": len(response.content), "cold_ms": times[0],
                     "warm_ms": statistics.median(times[1:])})
    return rows


def table(rows: list[dict[str, Any]], observatory: str) -> str:
    lines = [f"| {observatory} page | status | size | first | then (median) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for row in rows:
        flag = "" if row["warm_ms"] < GOAL_MS else " (over 300 ms)"
        lines.append(f"| {row['page']} (`{row['url'][:60]}`) | {row['status']} | "
                     f"{row['bytes'] / 1024:.0f} KiB | {row['cold_ms']:.0f} ms | "
                     f"{row['warm_ms']:.0f} ms{flag} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--observatory", nargs="+", default=["jwst", "hst"])
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.repeat)))
        return 0
    if not args.cache.is_dir():
        print(f"no CRDS cache at {args.cache} (shared data: {shared_data()})", file=sys.stderr)
        return 2
    for observatory in args.observatory:
        with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
            home = Path(tmp) / "home"
            start = time.perf_counter()
            import_catalog(args.cache, observatory, home)
            imported = time.perf_counter() - start
            child = subprocess.run(
                [sys.executable, __file__, "--child", observatory, "--repeat", str(args.repeat)],
                env=_env(home, observatory), check=True, capture_output=True, text=True,
                cwd=REPO / "benchmarks")
            rows = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"\n{observatory}: catalog imported in {imported:.0f} s\n")
            print(table(rows, observatory))
            slow = [row["page"] for row in rows if row["warm_ms"] >= GOAL_MS]
            print(f"\n{len(rows) - len(slow)} of {len(rows)} pages under {GOAL_MS:.0f} ms warm"
                  + (f"; over: {', '.join(slow)}" if slow else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

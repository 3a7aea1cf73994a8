"""Server best-reference throughput: JSON-RPC ``get_best_references`` from several processes.

Run ``python benchmarks/bench_server.py --quick`` for a smoke run. Without ``--url`` the script
imports a CRDS cache (``--cache``, default the shared one) into a temporary ``OPENCRDS_HOME``
and starts ``opencrds serve`` itself; with ``--url`` it drives a server that is already running
(the context's mappings are then fetched from that server). Every client process sends the
same headers, one request per header on a persistent connection, and the table printed at the
end (markdown) gives headers/s over all clients and the p50/p99 latency of single requests.
Clients and server share the machine, so on a small machine more clients than cores mostly
measure contention.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench_paths import default_cache

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = default_cache()


# ---- server ---------------------------------------------------------------------------------

def _opencrds() -> list[str]:
    script = Path(sys.executable).parent / "opencrds"
    return [str(script)] if script.exists() else [sys.executable, "-m", "opencrds.tools.main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRDS_", "OPENCRDS_", "DJANGO_", "DATABASE_URL"))}
    env.update(OPENCRDS_HOME=str(home), OPENCRDS_LOG_LEVEL="WARNING")
    if os.environ.get("DATABASE_URL"):  # a shared database needs its secret key given
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        env["OPENCRDS_SECRET_KEY"] = (os.environ.get("OPENCRDS_SECRET_KEY")
                                      or secrets.token_urlsafe(50))
    return env


def start_server(cache: Path, observatory: str, workers: int, home: Path,
                 extra: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """Import ``cache`` and start ``opencrds serve`` (with ``extra`` options); (process, base
    URL) once healthy."""
    env = _env(home)
    for args in (["migrate", "--verbosity", "0"],
                 ["import_cache", str(cache), "--observatory", observatory]):
        subprocess.run([*_opencrds(), "manage", *args], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    port = _free_port()
    log = open(home / "server.log", "wb")  # noqa: SIM115  (lives as long as the server)
    process = subprocess.Popen(
        [*_opencrds(), "serve", "--host", "127.0.0.1", "--port", str(port), "--observatory",
         observatory, "--workers", str(workers), *(extra or [])], env=env, stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"opencrds serve exited: see {home / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("opencrds serve did not become healthy")


def server_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by the workers of the server ``pid`` (Linux), else None."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": "b"})
    request = urllib.request.Request(f"{url}/json/{method}/b/", data=body.encode())
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    if answer["error"]:
        raise SystemExit(f"{method}: {answer['error']['message']}")
    return answer["result"]


# ---- headers --------------------------------------------------------------------------------

def make_headers(url: str, context: str, cache: Path | None, count: int,
                 workdir: Path) -> list[tuple[dict[str, str], list[str] | None]]:
    """``count`` (header, reftypes) requests derived from the context's rules."""
    import opencrds
    from opencrds.testing.headers import headers_for_context

    if cache is None:  # fetch the context's mappings from the server
        observatory = rpc(url, "get_server_info")["observatory"]
        cache = workdir / "cache"
        target = cache / "mappings" / observatory
        target.mkdir(parents=True)
        for name in rpc(url, "get_mapping_names", context):
            with urllib.request.urlopen(
                    f"{url}/unchecked_get/mappings/{observatory}/{name}") as response:
                (target / name).write_bytes(response.read())
    pmap = opencrds.load_context(context, cache=cache)
    rng = random.Random(0)
    pairs = list(headers_for_context(pmap, rng, per_type=max(2, count // 50), odd=False,
                                     complete=True))
    rng.shuffle(pairs)
    pairs = (pairs * (count // max(1, len(pairs)) + 1))[:count]
    # one request in ten asks for every type, the others for the type the header was made for
    return [({str(k): str(v) for k, v in header.items()}, None if i % 10 == 0 else [kind])
            for i, (kind, header) in enumerate(pairs)]


# ---- clients --------------------------------------------------------------------------------

def client(url: str, context: str, requests: list, start: Any, out: Any) -> None:
    """One client process: every request once, on one keep-alive connection."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    bodies = [json.dumps({"jsonrpc": "1.0", "method": "get_best_references",
                          "params": [context, header, reftypes], "id": str(i)}).encode()
              for i, (header, reftypes) in enumerate(requests)]
    latencies, errors = [], 0
    start.wait()
    for body in bodies:
        began = time.perf_counter()
        connection.request("POST", "/json/get_best_references/bench/", body,
                           {"Content-Type": "application/json"})
        answer = json.loads(connection.getresponse().read())
        latencies.append(time.perf_counter() - began)
        errors += answer["error"] is not None
    connection.close()
    out.put((latencies, errors))


def run_clients(url: str, context: str, requests: list, clients: int,
                server_pid: int | None = None) -> dict[str, Any]:
    context_ = multiprocessing.get_context("spawn")
    start, out = context_.Event(), context_.Queue()
    processes = [context_.Process(target=client, args=(url, context, requests, start, out))
                 for _ in range(clients)]
    for process in processes:
        process.start()
    time.sleep(0.5)
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    began = time.perf_counter()
    start.set()
    results = [out.get() for _ in processes]
    elapsed = time.perf_counter() - began
    cpu_after = server_cpu_seconds(server_pid) if server_pid else None
    for process in processes:
        process.join()
    latencies = sorted(t for lat, _ in results for t in lat)
    return {
        "clients": clients, "requests": len(latencies), "seconds": elapsed,
        "headers_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "errors": sum(e for _, e in results),
        "server_cpu_ms": (None if cpu_before is None or cpu_after is None
                          else 1000 * (cpu_after - cpu_before) / len(latencies)),
    }


def table(rows: list[dict[str, Any]], observatory: str, context: str, workers: str) -> str:
    lines = ["| observatory | context | server workers | client processes | requests | "
             "headers/s | p50 ms | p99 ms | server CPU ms/request | error answers |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        cpu = "-" if row["server_cpu_ms"] is None else f"{row['server_cpu_ms']:.2f}"
        lines.append(f"| {observatory} | {context} | {workers} | {row['clients']} | "
                     f"{row['requests']} | {row['headers_per_s']:.0f} | {row['p50_ms']:.1f} | "
                     f"{row['p99_ms']:.1f} | {cpu} | {row['errors']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="CRDS cache to import when starting a server")
    parser.add_argument("--observatory", default="hst", help="when starting a server")
    parser.add_argument("--context", help="default: the server's operational context")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="server workers when starting a server")
    parser.add_argument("--serve-args", default="",
                        help="more opencrds serve options when starting a server")
    parser.add_argument("--clients", default="1,4", help="client process counts, e.g. 1,4,8")
    parser.add_argument("--headers", type=int, default=2000, help="requests per client")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 requests per client")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.headers
    with tempfile.TemporaryDirectory(prefix="opencrds-bench-") as tmp:
        workdir = Path(tmp)
        process = None
        url = args.url
        try:
            if url is None:
                if not (args.cache / "mappings" / args.observatory).is_dir():
                    raise SystemExit(f"no CRDS cache at {args.cache} (use --cache or --url)")
                print(f"starting a server for {args.observatory} ({args.workers} workers)...",
                      file=sys.stderr)
                process, url = start_server(args.cache, args.observatory, args.workers,
                                            workdir, shlex.split(args.serve_args))
            info = rpc(url, "get_server_info")
            context = args.context or info["operational_context"]
            requests = make_headers(url, context, None if args.url else args.cache, count,
                                    workdir)
            run_clients(url, context, requests[:50], 1)  # warm every worker a little
            rows = []
            for clients in (int(c) for c in args.clients.split(",")):
                print(f"{clients} client(s) x {count} requests...", file=sys.stderr)
                rows.append(run_clients(url, context, requests, clients,
                                        process.pid if process is not None else None))
        finally:
            if process is not None:
                stop_server(process)
                shutil.rmtree(workdir / "cache", ignore_errors=True)
    workers = str(args.workers) if args.url is None else "?"
    print(table(rows, info["observatory"], context, workers))
    if args.json:
        args.json.write_text(json.dumps({"context": context, "rows": rows}, indent=2))
    # Error answers are lookups the rules refuse (e.g. CRDS's mixed-tie defect in some JWST
    # rmaps, RULES.md §3.2.7), answered as JSON-RPC errors exactly like serverless crds fails.
    return 0


if __name__ == "__main__":
    sys.exit(main())

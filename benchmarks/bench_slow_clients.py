"""Server responsiveness while many slow or idle connections are open (slowloris).

Run ``python benchmarks/bench_slow_clients.py --quick`` for a smoke run. Without ``--url`` the
script imports a CRDS cache (``--cache``, default the shared one) and starts ``opencrds serve``
itself (``--serve-args`` are passed on, e.g. ``"--read-timeout 20"``). For each count in
``--slow`` a separate process opens that many connections to the server, a third each of:

- slow headers: a request line, then one header byte every ``--drip`` seconds;
- slow body: complete headers of a JSON-RPC POST announcing 4096 bytes, then one body byte
  every ``--drip`` seconds;
- idle: connected, sending nothing.

While they are open, the main process sends ordinary requests one after another for
``--seconds``: JSON-RPC ``get_best_references``, ``/health`` and a ``Range`` download, each with
a ``--timeout`` client timeout. The markdown table printed at the end gives the latency of those
requests, how many failed (timeout or error), and how many slow connections the server closed
by the end of the run (and after how long, median).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import selectors
import shlex
import socket
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_server  # noqa: E402  (shares the server start-up and the header generator)

KINDS = ("slow-headers", "slow-body", "idle")


# ---- the slow clients (a process of their own) ------------------------------------------------

def _opening(kind: str, host: str) -> bytes:
    if kind == "slow-headers":
        return f"POST /json/ HTTP/1.1\r\nHost: {host}\r\n".encode()
    if kind == "slow-body":
        return (f"POST /json/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                "Content-Length: 4096\r\n\r\n").encode()
    return b""


def slow_clients(host: str, port: int, count: int, kinds: tuple[str, ...], drip: float,
                 seconds: float, ready: Any, out: Any) -> None:
    """Open ``count`` slow connections, drip bytes for ``seconds``; report when each closed."""
    selector = selectors.DefaultSelector()
    opened = time.monotonic()
    socks: dict[socket.socket, dict[str, Any]] = {}
    failed_to_connect = 0
    for i in range(count):
        kind = kinds[i % len(kinds)]
        try:
            sock = socket.create_connection((host, port), timeout=10)
        except OSError:
            failed_to_connect += 1
            continue
        sock.setblocking(False)
        try:
            sock.send(_opening(kind, host))
        except OSError:
            pass
        socks[sock] = {"kind": kind, "opened": time.monotonic(), "closed": None}
        selector.register(sock, selectors.EVENT_READ)
    ready.set()
    deadline = opened + seconds
    next_drip = time.monotonic() + drip
    while time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, min(next_drip, deadline)
                                                  - time.monotonic())):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed (or reset) by the server
                socks[sock]["closed"] = time.monotonic() - socks[sock]["opened"]
                selector.unregister(sock)
        if time.monotonic() >= next_drip:
            next_drip += drip
            for sock, state in socks.items():
                if state["closed"] is None and state["kind"] != "idle":
                    try:
                        sock.send(b"x" if state["kind"] == "slow-headers" else b" ")
                    except OSError:
                        state["closed"] = time.monotonic() - state["opened"]
                        selector.unregister(sock)
    closed = [s["closed"] for s in socks.values() if s["closed"] is not None]
    by_kind = {kind: sum(1 for s in socks.values() if s["kind"] == kind and s["closed"])
               for kind in KINDS}
    for sock in socks:
        sock.close()
    out.put({"opened": len(socks), "failed_to_connect": failed_to_connect,
             "closed": len(closed), "closed_by_kind": by_kind,
             "median_close_s": statistics.median(closed) if closed else None})


# ---- the ordinary requests ------------------------------------------------------------------

def ordinary_requests(url: str, context: str, headers: list, reference: str, seconds: float,
                      timeout: float) -> dict[str, Any]:
    """Requests one after another for ``seconds``; latencies and failures."""
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        header, reftypes = headers[i % len(headers)]
        choice = i % 3
        if choice == 0:
            body = json.dumps({"jsonrpc": "1.0", "method": "get_best_references",
                               "params": [context, header, reftypes], "id": str(i)}).encode()
            request = urllib.request.Request(f"{url}/json/get_best_references/b/", data=body)
        elif choice == 1:
            request = urllib.request.Request(f"{url}/health")
        else:
            request = urllib.request.Request(reference, headers={"Range": "bytes=100-4195"})
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            latencies.append(time.perf_counter() - began)
        except (OSError, urllib.error.URLError) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        i += 1
    latencies.sort()
    return {
        "requests": i, "answered": len(latencies), "failed": len(failures),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": (1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
                   if latencies else None),
        "max_ms": 1000 * latencies[-1] if latencies else None,
        "first_failure": failures[0] if failures else "",
    }


def a_reference(cache: Path, observatory: str) -> str:
    """The name of the first reference file in ``cache`` (for the Range downloads)."""
    files = sorted(path.name for path in (cache / "references" / observatory).rglob("*")
                   if path.is_file())
    if not files:
        raise SystemExit(f"no reference files in {cache} (use --reference)")
    return files[0]


def run(url: str, context: str, headers: list, reference: str, slow: int,
        args: argparse.Namespace) -> dict[str, Any]:
    host, port = url.split("//")[1].split(":")
    mp = multiprocessing.get_context("spawn")
    ready, out = mp.Event(), mp.Queue()
    process = None
    if slow:
        process = mp.Process(target=slow_clients,
                             args=(host, int(port), slow, tuple(args.kinds.split(",")),
                                   args.drip, args.seconds + 2, ready, out))
        process.start()
        ready.wait(120)
        time.sleep(1)  # let the server take them in
    row = ordinary_requests(url, context, headers, reference, args.seconds, args.timeout)
    row["slow"] = slow
    if process is not None:
        row.update(out.get(timeout=120))
        process.join()
    else:
        row.update(opened=0, failed_to_connect=0, closed=0, median_close_s=None)
    return row


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[dict[str, Any]], server: str) -> str:
    lines = ["| server | slow connections | requests | failed | p50 ms | p99 ms | max ms | "
             "slow closed by server | median s to close |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {server} | {row['opened']} | {row['requests']} | {row['failed']} | "
                     f"{_fmt(row['p50_ms'])} | {_fmt(row['p99_ms'])} | {_fmt(row['max_ms'])} | "
                     f"{row['closed']} | {_fmt(row['median_close_s'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--cache", type=Path, default=bench_server.DEFAULT_CACHE,
                        help="CRDS cache to import when starting a server")
    parser.add_argument("--observatory", default="hst", help="when starting a server")
    parser.add_argument("--workers", type=int, default=2, help="when starting a server")
    parser.add_argument("--serve-args", default="",
                        help="more opencrds serve options when starting a server")
    parser.add_argument("--reference", metavar="NAME",
                        help="reference file for the Range downloads (default: the first in "
                             "the cache)")
    parser.add_argument("--slow", default="0,16,300", help="slow connection counts")
    parser.add_argument("--seconds", type=float, default=40.0,
                        help="how long ordinary requests are sent per count")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="kinds of slow connections, in turn (default: all three)")
    parser.add_argument("--drip", type=float, default=2.0, help="seconds between slow bytes")
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: 0,16,60 for 10 s")
    parser.add_argument("--label", default="opencrds serve", help="server column of the table")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.slow, args.seconds = "0,16,60", 10.0
    with tempfile.TemporaryDirectory(prefix="opencrds-bench-") as tmp:
        workdir = Path(tmp)
        process = None
        url = args.url
        try:
            if url is None:
                if not (args.cache / "mappings" / args.observatory).is_dir():
                    raise SystemExit(f"no CRDS cache at {args.cache} (use --cache or --url)")
                process, url = bench_server.start_server(
                    args.cache, args.observatory, args.workers, workdir,
                    shlex.split(args.serve_args))
            info = bench_server.rpc(url, "get_server_info")
            context = info["operational_context"]
            reference = (f"{url}/unchecked_get/references/{info['observatory']}/"
                         f"{args.reference or a_reference(args.cache, info['observatory'])}")
            headers = bench_server.make_headers(url, context, None if args.url else args.cache,
                                                200, workdir)
            rows = []
            for slow in (int(c) for c in args.slow.split(",")):
                print(f"{slow} slow connections, {args.seconds:.0f} s of requests...",
                      file=sys.stderr)
                rows.append(run(url, context, headers, reference, slow, args))
        finally:
            if process is not None:
                bench_server.stop_server(process)
    print(table(rows, args.label))
    for row in rows:
        if row["first_failure"]:
            print(f"first failure with {row['opened']} slow connections: {row['first_failure']}",
                  file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

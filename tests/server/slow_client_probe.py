"""Slow and idle clients for test_slow_clients.py, run as a process of its own.

``python slow_client_probe.py PORT COUNT SECONDS`` opens COUNT connections to 127.0.0.1:PORT,
a third each of: slow headers (a request line, then one header byte a second), slow body
(complete headers announcing a 4096-byte body, then one body byte a second) and idle (nothing
sent). It prints ``ready`` once all are open, keeps dripping until every connection has been
closed by the server or SECONDS have passed, and prints a JSON summary as its last line: per
kind, how many connections were opened and closed by the server, and the first bytes the
server sent on them (if any).
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import time

KINDS = ("slow-headers", "slow-body", "idle")


def opening(kind: str) -> bytes:
    if kind == "slow-headers":
        return b"POST /json/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if kind == "slow-body":
        return (b"POST /json/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 4096\r\n\r\n")
    return b""


def main(port: int, count: int, seconds: float) -> dict[str, dict[str, object]]:
    selector = selectors.DefaultSelector()
    state: dict[socket.socket, dict[str, object]] = {}
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(opening(kind))
        sock.setblocking(False)
        state[sock] = {"kind": kind, "closed": False, "received": b""}
        selector.register(sock, selectors.EVENT_READ)
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    next_drip = time.monotonic() + 1
    while time.monotonic() < deadline and not all(s["closed"] for s in state.values()):
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if data:
                state[sock]["received"] += data
            else:
                state[sock]["closed"] = True
                selector.unregister(sock)
        if time.monotonic() >= next_drip:
            next_drip += 1
            for sock, s in state.items():
                if not s["closed"] and s["kind"] != "idle":
                    try:
                        sock.send(b"x" if s["kind"] == "slow-headers" else b" ")
                    except OSError:
                        s["closed"] = True
                        selector.unregister(sock)
    summary: dict[str, dict[str, object]] = {}
    for s in state.values():
        entry = summary.setdefault(s["kind"], {"opened": 0, "closed": 0, "responses": []})
        entry["opened"] += 1
        entry["closed"] += bool(s["closed"])
        first_line = s["received"].split(b"\r\n", 1)[0].decode("latin-1")
        if first_line and first_line not in entry["responses"]:
            entry["responses"].append(first_line)
    for sock in state:
        sock.close()
    return summary


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))))

"""Drives the real crds 14.0.3 client in its own process (its global state must not leak).

Usage: ``python crds_probe.py PLAN.json OUT.json``. The environment (CRDS_SERVER_URL,
CRDS_PATH, CRDS_MODE, CRDS_OBSERVATORY, ...) decides remote or serverless mode. The plan is::

    {"bestrefs": {"context": ..., "observatory": ..., "cases": [[header, reftypes|null], ...],
                  "functions": ["client", "getrecommendations"]},
     "calls": [["get_default_context", ["hst"]], ...]}     # crds.client functions

The output holds, per case and function, ``{"ok": result}`` or ``{"raised": [type, text]}``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


def _outcome(function: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return {"ok": function(*args, **kwargs)}
    except Exception as exc:
        return {"raised": [type(exc).__name__, str(exc)]}


def main(plan_path: str, out_path: str) -> int:
    import crds
    from crds import client

    logging.getLogger("CRDS").setLevel(logging.CRITICAL)
    crds.log.set_verbose(-3) if hasattr(crds.log, "set_verbose") else None
    with open(plan_path) as stream:
        plan = json.load(stream)
    out: dict[str, Any] = {}
    spec = plan.get("bestrefs")
    if spec:
        results = []
        for header, reftypes in spec["cases"]:
            row = {}
            for name in spec["functions"]:
                if name == "client":
                    row[name] = _outcome(client.get_best_references, spec["context"],
                                         dict(header), reftypes)
                else:
                    row[name] = _outcome(crds.getrecommendations, dict(header),
                                         reftypes=reftypes, context=spec["context"],
                                         observatory=spec["observatory"])
            results.append(row)
        out["bestrefs"] = results
    out["calls"] = [_outcome(getattr(client, name), *args) for name, args in plan.get("calls", [])]
    with open(out_path, "w") as stream:
        json.dump(out, stream, default=repr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

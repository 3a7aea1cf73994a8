"""Drives the real crds 14.0.3 login (``crds.submit.web.CrdsDjangoConnection``) in its own
process: ``python crds_login_probe.py PLAN.json OUT.json``.

The plan is ``{"url": ..., "users": {name: [token, instrument]}, "steps": [[action, name],
...]}`` with actions ``fail_if_existing_lock``, ``login``, ``lock_status``, ``logout``; the output
is one ``{"ok": value}`` or ``{"raised": [type, text], "errors": [the ERROR lines crds
logged]}`` per step.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


def main(plan_path: str, out_path: str) -> int:
    from crds.submit import web

    logged: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("CRDS").addHandler(handler)
    with open(plan_path) as stream:
        plan = json.load(stream)
    connections = {
        name: web.CrdsDjangoConnection(locked_instrument=instrument, username=name,
                                       password=token, base_url=plan["url"])
        for name, (token, instrument) in plan["users"].items()}
    out: list[dict[str, Any]] = []
    for action, name in plan["steps"]:
        connection = connections[name]
        try:
            if action == "lock_status":
                value: Any = connection.get(f"/lock_status/{name}/").json()
            elif action == "login":
                response = connection.login()
                value = getattr(response, "url", None)
            else:
                getattr(connection, action)()
                value = None
            out.append({"ok": value})
        except Exception as exc:
            out.append({"raised": [type(exc).__name__, str(exc)], "errors": logged[:]})
        logged.clear()
    with open(out_path, "w") as stream:
        json.dump(out, stream)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

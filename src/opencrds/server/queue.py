"""The task queue: Huey, configured from the environment (``OPENCRDS_QUEUE_URL``).

With no URL the queue is a SQLite file in the home (``queue.sqlite3``): nothing more to run
than ``opencrds serve``, which starts the queue's consumer beside the web workers. With
``redis://HOST:PORT/DB`` the queue lives in Redis (``pip install 'opencrds[redis]'``), for several
hosts; the consumer is then run with ``opencrds manage run_huey`` where wanted (``opencrds serve
--no-consumer`` skips its own). ``OPENCRDS_QUEUE_NAME`` (default ``opencrds``) keeps two
deployments sharing one Redis apart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

QUEUE_URL_VAR = "OPENCRDS_QUEUE_URL"


def huey_settings(home: Path) -> dict[str, Any]:
    """Django's ``HUEY`` setting (huey.contrib.djhuey) for this home and environment."""
    url = os.environ.get(QUEUE_URL_VAR, "").strip()
    common: dict[str, Any] = {
        "name": os.environ.get("OPENCRDS_QUEUE_NAME", "opencrds"),
        "immediate": False,  # djhuey would run tasks in the web request when DEBUG is on
        "results": True,
        "utc": True,
        "consumer": {"workers": int(os.environ.get("OPENCRDS_QUEUE_WORKERS", "2")),
                     "worker_type": "process", "check_worker_health": True,
                     # an idle worker polls at most every half second (Huey's default backs off
                     # to 10 s, which a submitter would wait through)
                     "initial_delay": 0.05, "backoff": 1.15, "max_delay": 0.5},
    }
    if not url:
        return {**common, "huey_class": "huey.SqliteHuey",
                "filename": str(home / "queue.sqlite3")}
    parsed = urlparse(url)
    if parsed.scheme in ("redis", "rediss"):
        return {**common, "huey_class": "huey.RedisHuey", "url": url}
    raise ValueError(f"{QUEUE_URL_VAR}={url!r}: only redis:// URLs are supported "
                     "(leave it unset for the embedded SQLite queue)")

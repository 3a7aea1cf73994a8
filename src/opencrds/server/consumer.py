"""The task queue's consumer as a child of ``opencrds serve`` (``opencrds manage run_huey``).

The child is a fresh Python process (not a fork of the gevent-patched server) with the same
home and observatory; it ends when the server ends (also when the server is killed: Linux's
parent-death signal).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys

from .config import current

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def consumer_environment() -> dict[str, str]:
    """This process's environment with the settings a command gave (home, observatory)."""
    config = current()
    env = dict(os.environ)
    env["OPENCRDS_HOME"] = str(config.home)
    if config.observatory:
        env["OPENCRDS_OBSERVATORY"] = config.observatory
    if config.allowed_hosts:
        env.setdefault("OPENCRDS_ALLOWED_HOSTS", ",".join(config.allowed_hosts))
    return env


def start_consumer() -> subprocess.Popen[bytes]:
    """Start ``opencrds manage run_huey`` beside the server."""
    command = [sys.executable, "-m", "opencrds.tools.main", "manage", "run_huey"]
    log.info("Starting the task queue consumer")
    process = subprocess.Popen(command, env=consumer_environment(),
                               preexec_fn=_die_with_parent)
    process.owner_pid = os.getpid()  # type: ignore[attr-defined]
    return process


def stop_consumer(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Ask the consumer to finish its tasks and stop; kill it after ``timeout`` seconds.
    Only the process that started it does: gunicorn's workers, forked inside the server's
    run, leave through the same ``finally`` and must not touch it."""
    if getattr(process, "owner_pid", os.getpid()) != os.getpid():
        return
    if process.poll() is not None:
        return
    try:
        process.send_signal(signal.SIGINT)  # huey: graceful shutdown
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:  # it ended meanwhile
        pass

"""``opencrds serve``: run the OpenCRDS server (gunicorn, several workers) for one observatory.

The workers are gevent ones (``opencrds.server.worker``): a connection costs a greenlet, not a
thread, so slow or idle clients cannot starve the others, and ``--read-timeout`` bounds how
long one may take to send a request or to take a response. Everything the server keeps lives
under ``$OPENCRDS_HOME`` (``--home``); ``DATABASE_URL`` selects PostgreSQL. Before the workers
fork, the master prepares the data folder, applies pending migrations (under a lock, so
servers and ``opencrds manage`` starting together do it once), collects the static files and,
with ``--demo``, generates and imports the demo on first use (a made-up JWST-shaped mission
served as ``jwst``, so the unmodified crds client can use it); the operational
context is parsed once, so the workers share it. The command's options reach the settings
through :func:`opencrds.server.config.configure`, not the environment.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from typing import Any

from opencrds.rules.errors import CrdsError

log = logging.getLogger("opencrds")

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
DEFAULT_READ_TIMEOUT = 30
WORKER_CLASS = "opencrds.server.worker.Worker"


def _positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"must be between 1 and 86400 seconds: {text!r}")
    return value


def default_workers() -> int:
    """Two workers per core, between 2 and 8."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``opencrds serve``."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--observatory", metavar="NAME",
                        help="the observatory served (default: the only one in the catalog)")
    parser.add_argument("--demo", action="store_true",
                        help="serve the demo: a small made-up JWST-shaped mission, as 'jwst' "
                             "(generated on first use; give it a --home of its own)")
    parser.add_argument("--home", metavar="DIR",
                        help="data folder (default: $OPENCRDS_HOME or the user data folder)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="worker processes (default: 2 per core, 2..8)")
    parser.add_argument("--read-timeout", type=_positive_seconds, default=DEFAULT_READ_TIMEOUT,
                        metavar="SECONDS",
                        help="close a connection that is slow or idle for SECONDS "
                             f"(default: {DEFAULT_READ_TIMEOUT})")
    parser.add_argument("--max-connections", type=int, default=1000, metavar="N",
                        help="connections each worker holds at once (default: 1000)")
    parser.add_argument("--timeout", type=int, default=120,
                        help="seconds before a silent worker is restarted (default: 120)")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request to stderr")
    parser.add_argument("--no-preload", action="store_true",
                        help="do not parse the operational context before forking workers")
    parser.add_argument("--no-consumer", action="store_true",
                        help="do not start the task queue's consumer (run `opencrds manage "
                             "run_huey` elsewhere, e.g. with OPENCRDS_QUEUE_URL=redis://...)")


class NothingToServe(CrdsError):
    """The catalog has no observatory, or none of the one asked for."""


def _allowed_hosts(host: str) -> list[str] | None:
    """The host names to answer for when listening on ``host``; ``None`` when
    ``OPENCRDS_ALLOWED_HOSTS`` says."""
    if "OPENCRDS_ALLOWED_HOSTS" in os.environ:
        return None
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    hosts = ["localhost", "127.0.0.1", "[::1]"]
    if host not in _LOCAL_HOSTS:
        hosts.append(host)
    return hosts


def configure_from(args: argparse.Namespace) -> None:
    """Hand the command's --home, --observatory (--demo) and --host to the settings."""
    from . import config

    if args.demo:
        from opencrds.observatories.demo import OBSERVATORY

        if args.observatory and args.observatory.lower() != OBSERVATORY:
            raise NothingToServe(f"--demo serves '{OBSERVATORY}', not '{args.observatory}'")
        args.observatory = OBSERVATORY
        os.environ.setdefault("OPENCRDS_STAGE", "demo")  # the page chrome shows it
    config.configure(home=os.path.abspath(args.home) if args.home else None,
                     observatory=args.observatory.lower() if args.observatory else None,
                     allowed_hosts=_allowed_hosts(args.host))


def prepare(args: argparse.Namespace) -> str:
    """Start up (data folder, Django, migrations, static files), import the demo if asked;
    return the observatory served."""
    configure_from(args)
    from . import setup

    setup()
    from .catalog import queries
    from .catalog.models import DefaultContext
    from .startup import apply_migrations, collect_static, schema_lock

    apply_migrations()
    collect_static()
    if not args.no_consumer:
        from .submissions.services import recover

        recover()  # submissions a killed worker left half done (SERVER.md §2.3)
    if args.demo:
        from .catalog.demo import ensure_demo
        from .catalog.errors import ImportFailed

        try:
            with schema_lock():  # servers starting together import it once
                report = ensure_demo()
        except ImportFailed as exc:
            raise NothingToServe(str(exc)) from None
        if report is not None:
            log.info("Imported the demo mission: %s", report.summary())
    try:
        observatory = queries.server_observatory()
    except queries.NotConfigured as exc:
        raise NothingToServe(f"{exc}. Import a cache first (opencrds manage import_cache PATH "
                             "--observatory NAME) or run with --demo.") from None
    if not DefaultContext.objects.filter(observatory=observatory).exists():
        raise NothingToServe(f"the catalog has nothing for '{observatory}': run opencrds manage "
                             f"import_cache PATH --observatory {observatory}")
    return observatory


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "bind": [_bind(args.host, args.port)],
        "workers": args.workers,
        "worker_class": WORKER_CLASS,
        "worker_connections": args.max_connections,
        "preload_app": True,
        "timeout": args.timeout,
        "graceful_timeout": 30,
        "keepalive": args.read_timeout,  # the worker's read timeout (opencrds.server.worker)
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "opencrds",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


def _application(preload: bool) -> Callable[[], Any]:
    def load() -> Any:
        from .wsgi import application

        if preload:
            from .warmup import warm_operational_context

            warm_operational_context()
        else:
            from django.db import connections

            connections.close_all()
        return application

    return load


def run(args: argparse.Namespace) -> int:
    """Start the server; returns when it is stopped (SIGINT/SIGTERM)."""
    # Before Django is imported: its per-thread state (database connections) must be
    # per-greenlet in the workers, which fork from this process.
    from gevent import monkey

    monkey.patch_all()
    from gunicorn.app.base import BaseApplication

    from .consumer import start_consumer, stop_consumer

    observatory = prepare(args)

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = gunicorn_options(args)
            options["control_socket_disable"] = True  # gunicorn >= 24: no ~/.gunicorn socket
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return _application(not args.no_preload)()

    log.info("Serving %s at http://%s/ from %s", observatory, _bind(args.host, args.port),
             (os.path.abspath(args.home) if args.home else os.environ.get("OPENCRDS_HOME"))
             or "the default data folder")
    consumer = None if args.no_consumer else start_consumer()
    try:
        Server().run()
    finally:
        if consumer is not None:
            stop_consumer(consumer)
    return 0

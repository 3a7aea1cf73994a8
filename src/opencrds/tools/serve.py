"""``opencrds serve``: run the OpenCRDS server (gunicorn, several workers) for one observatory.

The workers are gevent ones (``opencrds.server.worker``): a connection costs a greenlet, not a
thread, so slow or idle clients cannot starve the others, and ``--read-timeout`` bounds how
long one may take to send a request or to take a response. Migrations are applied first. Everything the server keeps lives under ``$OPENCRDS_HOME``
(``--home``); ``DATABASE_URL`` selects PostgreSQL. With ``--demo`` a synthetic mission is
generated and imported on first use. The operational context is parsed once before the workers
fork, so they share it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from .common import ToolError, log

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
                        help="serve the synthetic 'demo' mission (generated on first use)")
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


def _configure_environment(args: argparse.Namespace) -> None:
    if args.home:
        os.environ["OPENCRDS_HOME"] = os.path.abspath(args.home)
    if args.demo and not args.observatory:
        args.observatory = "demo"
    if args.observatory:
        os.environ["OPENCRDS_OBSERVATORY"] = args.observatory.lower()
    if "OPENCRDS_ALLOWED_HOSTS" not in os.environ:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
        if args.host in ("0.0.0.0", "::", ""):
            hosts = ["*"]
        elif args.host not in _LOCAL_HOSTS:
            hosts.append(args.host)
        os.environ["OPENCRDS_ALLOWED_HOSTS"] = ",".join(hosts)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencrds.server.settings")


def prepare(args: argparse.Namespace) -> str:
    """Set up Django, migrate, import the demo if asked; return the observatory served."""
    _configure_environment(args)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    if args.demo:
        from ..server.catalog.demo import ensure_demo

        report = ensure_demo()
        if report is not None:
            log.info("Imported the demo mission: %s", report.summary())
    from ..server.catalog import queries
    from ..server.catalog.models import DefaultContext

    try:
        observatory = queries.server_observatory()
    except queries.NotConfigured as exc:
        raise ToolError(f"{exc}. Import a cache first (opencrds manage import_cache PATH "
                        "--observatory NAME) or run with --demo.") from None
    if not DefaultContext.objects.filter(observatory=observatory).exists():
        raise ToolError(f"the catalog has nothing for '{observatory}': run opencrds manage "
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
        from ..server.wsgi import application

        if preload:
            from ..server.warmup import warm_operational_context

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
             os.environ.get("OPENCRDS_HOME") or "the default data folder")
    Server().run()
    return 0

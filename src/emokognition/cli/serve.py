"""`emokognition serve` and `worker`: the web service and its Celery workers."""

from __future__ import annotations

import argparse
import json
import logging
import os
from typing import Any

from emokognition.cli.options import UsageError
from emokognition.config import CLASSIFIERS, Settings, get_settings
from emokognition.extras import require


def service_logging(log_format: str, verbose: bool) -> None:
    """One stderr handler on the root logger, as text or JSON lines, INFO (DEBUG: verbose)."""
    from emokognition.web.logformat import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def service_settings(args: argparse.Namespace) -> Settings:
    """The settings, with `--classifier` as the default of every job when given.

    Raises:
        UsageError: An unknown classifier name.
    """
    settings = get_settings()
    if args.classifier is None:
        return settings
    if args.classifier not in CLASSIFIERS:
        raise UsageError(
            f"--classifier: unknown classifier {args.classifier!r} ({', '.join(CLASSIFIERS)})"
        )
    return settings.model_copy(update={"classifier": args.classifier})


def run_serve(args: argparse.Namespace) -> int:
    """Serve the JSON API and the pages with uvicorn until stopped; `--workers N` runs N
    processes on one port (sharing the database and the media; their job pools take each job
    once through the database's leases)."""
    require("emokognition serve", "service")
    import uvicorn

    from emokognition.web import create_app

    service_logging(args.log_format, args.verbose)
    settings = service_settings(args)
    options: dict[str, Any] = {"host": args.host, "port": args.port, "log_config": None}
    if args.workers == 1:
        uvicorn.run(create_app(settings), access_log=False, **options)
        return 0
    # Each worker process builds its own app: what the command line said goes by environment.
    os.environ[_WORKER_ENV] = json.dumps(
        {"log_format": args.log_format, "verbose": args.verbose, "classifier": args.classifier}
    )
    uvicorn.run(
        f"{__name__}:worker_app", factory=True, workers=args.workers, access_log=False, **options
    )
    return 0


_WORKER_ENV = "EMOKOGNITION_SERVE_WORKER"


def worker_app() -> Any:
    """The app of one `serve --workers N` process (uvicorn's factory)."""
    from emokognition.web import create_app

    given = json.loads(os.environ.get(_WORKER_ENV) or "{}")
    args = argparse.Namespace(
        log_format=given.get("log_format", "text"),
        verbose=bool(given.get("verbose")),
        classifier=given.get("classifier"),
    )
    service_logging(args.log_format, args.verbose)
    return create_app(service_settings(args))


def run_worker(args: argparse.Namespace) -> int:
    """Run a Celery worker until stopped."""
    require("emokognition worker", "service")
    from emokognition.jobs.celery_app import run_worker

    service_logging(args.log_format, args.verbose)
    run_worker(service_settings(args), concurrency=args.concurrency)
    return 0

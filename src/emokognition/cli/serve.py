"""`emokognition serve` and `worker`: the web service and its Celery workers."""

from __future__ import annotations

import argparse
import logging

from emokognition.cli.options import UsageError
from emokognition.config import CLASSIFIERS, Settings, get_settings


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
    """Serve the JSON API and the pages with uvicorn until stopped."""
    import uvicorn

    from emokognition.web import create_app

    service_logging(args.log_format, args.verbose)
    app = create_app(service_settings(args))
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    """Run a Celery worker until stopped."""
    from emokognition.jobs.celery_app import run_worker

    service_logging(args.log_format, args.verbose)
    run_worker(service_settings(args), concurrency=args.concurrency)
    return 0

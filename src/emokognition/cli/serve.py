"""`emokognition serve` and `worker`: the web service and its Celery workers."""

from __future__ import annotations

import argparse
import logging

from emokognition.config import get_settings


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


def run_serve(args: argparse.Namespace) -> int:
    """Serve the JSON API and the pages with uvicorn until stopped."""
    import uvicorn

    from emokognition.web import create_app

    service_logging(args.log_format, args.verbose)
    app = create_app(get_settings())
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    """Run a Celery worker until stopped."""
    from emokognition.jobs.celery_app import run_worker

    service_logging(args.log_format, args.verbose)
    run_worker(get_settings(), concurrency=args.concurrency)
    return 0

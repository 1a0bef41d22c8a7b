"""`emokognition daemon`: the bot that answers the pictures that mention an account."""

from __future__ import annotations

import argparse
import logging

from emokognition.cli.serve import service_logging
from emokognition.config import get_settings
from emokognition.extras import require


def run(args: argparse.Namespace) -> int:
    """Poll the mentions (once or forever), analyse, record and reply."""
    require("emokognition daemon", "bot", "service")
    from emokognition.sources import create_daemon

    service_logging(args.log_format, args.verbose)
    # httpx logs every URL at INFO; some carry tokens in their query.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    with create_daemon(
        get_settings(),
        args.source,
        bot=args.bot,
        once=args.once,
        interval=args.interval,
        reply=not args.no_reply,
    ) as daemon:
        return daemon.run()

"""The bot under a burst: mentions whose pictures come from a slow media host.

Run: python -m benchmarks.bot [--mentions 100] [--delay 0.2]

The fake Twitter/X API of the tests serves `--mentions` mentions, each with the bundled sample
photo behind a media host that takes `--delay` seconds a download. One `daemon --once` run on a
fresh SQLite database records, analyses and answers all of them, one mention at a time and then
`EMOKOGNITION_BOT_CONCURRENCY` at a time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from tests.shared import SAMPLE_PHOTO
from tests.sources.fakes import BEARER, BOT_USERNAME, FakeApis

from emokognition.config import Settings
from emokognition.sources import create_daemon


def _run(mentions: int, delay: float, concurrency: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder, FakeApis() as fake:
        fake.files = {"face.jpg": SAMPLE_PHOTO.read_bytes()}
        fake.media_delay = delay
        for post in range(1, mentions + 1):
            fake.add_tweet(1000 + post, f"user{post}", [(f"m{post}", "photo", "face.jpg")])
        credentials = Path(folder) / "twitter.json"
        keys = {"bearer_token": BEARER, "username": BOT_USERNAME, "consumer_key": "ck"}
        keys |= {"consumer_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
        credentials.write_text(json.dumps(keys))
        settings = Settings(
            data_dir=Path(folder) / "data",
            twitter_application_credentials=credentials,
            twitter_api_base=fake.url,
            allow_private_api_media=True,
            bot_concurrency=concurrency,
        )
        started = time.perf_counter()
        with create_daemon(settings, "twitter", once=True) as daemon:
            daemon.run()
        return time.perf_counter() - started, len(fake.replies())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.2)
    args, _ = parser.parse_known_args(argv)
    table = Table(title=f"{args.mentions} mentions, media downloads of {args.delay:g} s each")
    for column in ("mentions at once", "seconds", "mentions/s", "replies", "speed-up"):
        table.add_column(column)
    base = None
    for concurrency in (1, Settings().bot_concurrency):
        seconds, replies = _run(args.mentions, args.delay, concurrency)
        base = base or seconds
        rate, speed_up = args.mentions / seconds, base / seconds
        row = (str(concurrency), f"{seconds:.1f}", f"{rate:.1f}", str(replies), f"{speed_up:.1f}x")
        table.add_row(*row)
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

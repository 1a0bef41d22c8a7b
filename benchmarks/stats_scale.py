"""Statistics at scale: /api/v1/stats and the dashboard with few and with many faces recorded,
on SQLite and PostgreSQL; the target is a p50 at `--faces` within 2x of the p50 at `--small`.

Run: python -m benchmarks.stats_scale [--faces 10000000] [--small 10000] [--samples 200]

Both sizes are recorded over the same 30 days and 3 sources (the rollups' size follows time,
sources and classifiers, not faces), through the write path of the jobs: `create_analysis`,
`claim_analysis`, `finish_analysis` (faces, people and rollups), crowd photos of
`--per-analysis` faces, a few hundred analyses per transaction. PostgreSQL: the server named by
EMOKOGNITION_TEST_POSTGRES, else a throwaway one of this run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from tests.services import server_url, start_postgres

from benchmarks.seeding import seed
from benchmarks.service import _postgres_database, _server
from emokognition.config import Settings
from emokognition.store import Database, upgrade, utcnow

# --- reads -----------------------------------------------------------------------------------


def _paths() -> list[tuple[str, Callable[[], str]]]:
    week = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    odd = week - timedelta(minutes=17, seconds=5)

    def iso(moment: Any) -> str:
        return str(moment.isoformat().replace("+00:00", "Z"))

    return [
        ("GET /api/v1/stats", lambda: "/api/v1/stats"),
        (
            "stats, twitter, 7 days on the hour",
            lambda: f"/api/v1/stats?source=twitter&since={iso(week)}",
        ),
        (
            "stats, twitter, 7 days off the hour",
            lambda: f"/api/v1/stats?source=twitter&since={iso(odd)}",
        ),
        ("GET / (dashboard)", lambda: "/"),
        ("dashboard, twitter, 7 days", lambda: f"/?source=twitter&since={week.date().isoformat()}"),
    ]


def _p50(client: httpx.Client, path: str, samples: int) -> float:
    client.get(path)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:200]}")
    return statistics.median(times) * 1000


def measure(url: str, folder: Path, samples: int) -> dict[str, float]:
    settings = Settings(data_dir=folder / uuid.uuid4().hex[:8], database_url=url)
    with _server(settings, folder) as base, httpx.Client(base_url=base, timeout=60) as client:
        return {label: _p50(client, path(), samples) for label, path in _paths()}


def _seeded(url: str, size: int, per_analysis: int, rng: random.Random) -> float:
    database = Database(url)
    upgrade(database)
    seconds = seed(database, size, per_analysis, rng)
    with database.engine.connect() as connection:  # the planner's statistics, as a server
        connection.execute(text("ANALYZE"))  # that has run a while has them (autovacuum)
        connection.commit()
    database.dispose()
    return seconds


@contextmanager
def _postgres_admin(folder: Path) -> Iterator[str]:
    yield from server_url("EMOKOGNITION_TEST_POSTGRES", start_postgres, folder / "postgres")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faces", type=int, default=10_000_000, help="the large size")
    parser.add_argument("--small", type=int, default=10_000, help="the small size")
    parser.add_argument("--per-analysis", type=int, default=200, help="faces per photo")
    parser.add_argument("--samples", type=int, default=200, help="GETs per measure")
    args, _ = parser.parse_known_args()  # `make bench` passes --peer-python to every module
    console = Console()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results: dict[tuple[str, int], dict[str, float]] = {}
        seeding = Table(title="seeding through the write path", title_justify="left")
        for column in ("database", "faces", "seconds", "faces / s"):
            seeding.add_column(column, justify="right")
        with _postgres_admin(folder) as admin:
            for size in (args.small, args.faces):
                with _postgres_database(admin) as postgres:
                    sqlite = f"sqlite:///{folder / f'stats-{size}.sqlite3'}"
                    for name, url in (("SQLite", sqlite), ("PostgreSQL", postgres)):
                        seconds = _seeded(url, size, args.per_analysis, rng)
                        seeding.add_row(
                            name, f"{size:,}", f"{seconds:.1f}", f"{size / seconds:,.0f}"
                        )
                        results[(name, size)] = measure(url, folder, args.samples)
                (folder / f"stats-{size}.sqlite3").unlink(missing_ok=True)
        console.print(seeding)
        table = Table(
            title=f"p50 ms with {args.small:,} and {args.faces:,} faces (target: ratio <= 2)",
            title_justify="left",
        )
        for column in ("database", "request", f"{args.small:,}", f"{args.faces:,}", "ratio"):
            table.add_column(column, justify="right")
        for name in ("SQLite", "PostgreSQL"):
            for label, _ in _paths():
                small, large = (
                    results[(name, args.small)][label],
                    results[(name, args.faces)][label],
                )
                table.add_row(name, label, f"{small:.1f}", f"{large:.1f}", f"{large / small:.2f}x")
        console.print(table)


if __name__ == "__main__":
    main()

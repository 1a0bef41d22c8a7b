"""The service: sync photo analyses per second, read latencies with 100,000 faces recorded,
Celery throughput with 1 and 2 workers. Starts its own servers and workers, cleans up.

Run: python -m benchmarks.service [--faces 100000] [--jobs 40]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.core import make_photos
from benchmarks.seeding import seed, some_ids
from emokognition.app import Submission, create_service
from emokognition.config import Settings
from emokognition.store import Database, upgrade, utcnow
from emokognition.vision.analyzer import Analyzer

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
ROUNDS = 3


# --- processes and databases -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOKOGNITION_")}
    fields = (
        "data_dir",
        "database_url",
        "jobs",
        "broker_url",
        "celery_queue",
        "inline_workers",
        "threads",
    )
    env.update({f"EMOKOGNITION_{f.upper()}": str(getattr(settings, f)) for f in fields})
    env["EMOKOGNITION_INLINE_QUEUE"] = "256"
    return env


@contextmanager
def _process(args: list[str], settings: Settings, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "emokognition", *args],
            env=_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def _server(settings: Settings, folder: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _process(["serve", "--port", str(port)], settings, folder / f"serve-{port}.log"):

        def healthy() -> bool:
            try:
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, "the server")
        yield base


@contextmanager
def _postgres_database(url: str = POSTGRES_ADMIN) -> Iterator[str]:
    """A fresh database on the server of the superuser `url`, dropped afterwards."""
    name = f"emokognition_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


# --- sync analyses ---------------------------------------------------------------------------


def bench_sync(console: Console, folder: Path, photo: bytes, requests: int) -> None:
    """Sync analyses through the server against the bare `Analyzer` on the same photo in as
    many threads (the faster of one ONNX thread per model, as jobs run, and the default):
    target 0.8x at concurrency 8. Rounds alternate, `ROUNDS` each, and the medians are
    compared, so that a change in the machine's load falls on both."""
    settings = Settings(data_dir=folder / "sync", inline_workers=os.cpu_count() or 2)
    table = Table(
        title="sync photo analyses (640x480, inline jobs, SQLite) vs the bare Analyzer in as "
        "many threads (target: >= 0.8x at 8)",
        title_justify="left",
    )
    columns = ("concurrency", "requests", "analyses / s", "p50 ms", "p99 ms", "bare / s", "ratio")
    for column in columns:
        table.add_column(column, justify="right")
    bare = [Analyzer(settings=Settings(threads=threads)) for threads in (1, 0)]
    for analyzer in bare:
        analyzer.analyze(photo)  # loads the models
    each = max(8, requests // ROUNDS)
    with _server(settings, folder) as base:
        _post_sync(base, photo)  # loads the models
        for concurrency in (1, 8):
            latencies: list[float] = []
            rates, bare_rates = [], []
            for _ in range(ROUNDS):
                times, elapsed = _sync_round(base, photo, each, concurrency)
                latencies += times
                rates.append(each / elapsed)
                bare_rates.append(max(_bare_rate(a, photo, each, concurrency) for a in bare))
            rate, bare_rate = statistics.median(rates), statistics.median(bare_rates)
            p50, p99 = _percentiles(latencies)
            table.add_row(
                str(concurrency),
                str(each * ROUNDS),
                f"{rate:.1f}",
                f"{p50:.0f}",
                f"{p99:.0f}",
                f"{bare_rate:.1f}",
                f"{rate / bare_rate:.2f}x",
            )
    console.print(table)


def _bare_rate(analyzer: Analyzer, photo: bytes, requests: int, concurrency: int) -> float:
    """Photos per second of one shared `Analyzer` called from `concurrency` threads."""
    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda n: [analyzer.analyze(photo) for _ in range(n)], shares))
    return requests / (time.perf_counter() - started)


def _post_sync(base: str, photo: bytes, client: httpx.Client | None = None) -> float:
    started = time.perf_counter()
    response = (client or httpx).post(
        f"{base}/api/v1/analyses",
        params={"mode": "sync"},
        files={"file": ("p.jpg", photo, "image/jpeg")},
        timeout=120,
    )
    if response.status_code != 200 or response.json()["status"] != "done":
        raise SystemExit(f"sync analysis failed: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


def _sync_round(
    base: str, photo: bytes, requests: int, concurrency: int
) -> tuple[list[float], float]:
    def worker(count: int) -> list[float]:
        with httpx.Client() as client:
            return [_post_sync(base, photo, client) for _ in range(count)]

    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = [t for part in pool.map(worker, shares) for t in part]
    return latencies, time.perf_counter() - started


# --- reads with many faces -------------------------------------------------------------------


def bench_reads(console: Console, folder: Path, faces: int, samples: int) -> None:
    """Reads with `faces` faces recorded through the jobs' write path (rollups included)."""
    table = Table(title=f"reads with {faces:,} faces recorded", title_justify="left")
    for column in ("database", "request", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    sqlite_url = f"sqlite:///{folder / 'reads.sqlite3'}"
    with _postgres_database() as postgres_url:
        for name, url in (("SQLite", sqlite_url), ("PostgreSQL", postgres_url)):
            database = Database(url)
            upgrade(database)
            seed(database, faces, per_analysis=10, rng=random.Random(7))
            ids = some_ids(database)
            database.dispose()
            settings = Settings(data_dir=folder / name, database_url=url)
            with _server(settings, folder) as base, httpx.Client(base_url=base) as client:
                for label, path in _read_paths(ids):
                    p50, p99 = _percentiles(_time_gets(client, path, samples))
                    table.add_row(name, label, f"{p50:.1f}", f"{p99:.1f}")
    console.print(table)


def _read_paths(ids: list[str]) -> list[tuple[str, Callable[[], str]]]:
    return [
        ("GET /api/v1/analyses/{id}", lambda: f"/api/v1/analyses/{random.choice(ids)}"),
        ("GET /api/v1/stats", lambda: "/api/v1/stats"),
        ("GET /api/v1/stats?source=twitter&since=-7d", _stats_filtered),
    ]


def _stats_filtered() -> str:
    since = (utcnow() - timedelta(days=7)).isoformat().replace("+00:00", "Z")
    return f"/api/v1/stats?source=twitter&since={since}"


def _time_gets(client: httpx.Client, path: Callable[[], str], samples: int) -> list[float]:
    client.get(path())
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path())
        out.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {path()} answered {response.status_code}")
    return out


# --- Celery ----------------------------------------------------------------------------------


def bench_celery(console: Console, folder: Path, photo: bytes, jobs: int) -> None:
    title = "Celery workers (Redis, PostgreSQL), async photo jobs, one job at a time per worker"
    table = Table(title=title, title_justify="left")
    for column in ("workers", "ONNX threads each", "jobs", "seconds", "jobs / s", "vs 1 worker"):
        table.add_column(column, justify="right")
    single = 0.0
    cores = os.cpu_count() or 2
    # Threads 0 is the default: one ONNX thread per model in a job (see jobs/context.py).
    for workers, threads in ((1, 0), (1, cores), (2, 0)):
        with _postgres_database() as url:
            settings = Settings(
                threads=threads,
                data_dir=folder / f"celery{workers}",
                database_url=url,
                jobs="celery",
                broker_url=REDIS,
                celery_queue=f"emokognition-bench-{uuid.uuid4().hex[:8]}",
            )
            seconds = _celery_round(settings, folder, photo, jobs, workers)
        rate = jobs / seconds
        single = single or rate
        table.add_row(
            str(workers),
            str(threads) if threads else "1 (default)",
            str(jobs),
            f"{seconds:.1f}",
            f"{rate:.1f}",
            f"{rate / single:.2f}x",
        )
    console.print(table)


def _celery_round(settings: Settings, folder: Path, photo: bytes, jobs: int, workers: int) -> float:
    service = create_service(settings)
    upgrade(service.context.database)
    logs = [folder / f"worker-{workers}-{i}.log" for i in range(workers)]
    with _workers(settings, logs):
        _wait(lambda: all("ready." in log.read_text() for log in logs), "the workers")
        # A sync call waits only for workers heard from (their heartbeats): the first beat.
        _wait(lambda: service.workers() >= workers, "the workers' heartbeats")
        first = service.submit(Submission(data=photo), wait=120)  # warm every model load path
        if first.status != "done":
            raise SystemExit(f"celery job failed: {first.error}")
        started = time.perf_counter()
        ids = [service.submit(Submission(data=photo)).id for _ in range(jobs)]
        for analysis_id in ids:
            service.runner.wait(analysis_id, 600)
        seconds = time.perf_counter() - started
    service.runner.close()
    service.context.database.dispose()
    return seconds


@contextmanager
def _workers(settings: Settings, logs: list[Path]) -> Iterator[None]:
    with _nested([["worker", "--concurrency", "1"]] * len(logs), settings, logs):
        yield


@contextmanager
def _nested(commands: list[list[str]], settings: Settings, logs: list[Path]) -> Iterator[None]:
    if not commands:
        yield
        return
    with _process(commands[0], settings, logs[0]), _nested(commands[1:], settings, logs[1:]):
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=48, help="sync analyses per round")
    parser.add_argument("--samples", type=int, default=300, help="GETs per read benchmark")
    parser.add_argument("--jobs", type=int, default=120, help="Celery jobs per round")
    args, _ = parser.parse_known_args()  # `make bench` passes --peer-python to every module
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photo = make_photos(folder)["640x480"].read_bytes()
        bench_sync(console, folder, photo, args.requests)
        bench_reads(console, folder, args.faces, args.samples)
        bench_celery(console, folder, photo, args.jobs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Live streams through the service: how long from a frame's arrival to its window's event at a
client, how much of the machine the serving process takes, and what recording a window costs.

A real-time HLS stream of ../shared/data/videos (596x336, 10 fps) is served on 127.0.0.1; an
`emokognition serve` process (SQLite, inline jobs) analyses it at 5 fps in 5 s windows while
this process follows its Server-Sent Events. Recording is timed apart, on SQLite.

Run: python -m benchmarks.streams [--seconds 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from tests.conftest import free_port
from tests.store.factories import face
from tests.video.live.streams import HlsServer, encode_segments
from tests.video.media import WOMAN, read_frames
from tests.web.sse import EventReader

from emokognition.store import (
    Database,
    StreamRequest,
    WindowRecord,
    claim_stream,
    create_stream,
    record_window,
    upgrade,
)

WINDOW = 5.0
FPS = 5.0


def follow(seconds: float, folder: Path) -> dict[str, Any]:
    """Serve a stream for `seconds`, analyse it in a `serve` process, follow its events."""
    segments = encode_segments(read_frames(WOMAN, 40, step=2), int(seconds / 0.5) + 40)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOKOGNITION_")}
    env.update(
        EMOKOGNITION_DATA_DIR=str(folder),
        EMOKOGNITION_ALLOW_PRIVATE_URLS="true",
        EMOKOGNITION_THREADS="1",
    )
    with (folder / "serve.log").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "emokognition", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base)
        with HlsServer(segments) as hls, httpx.Client(base_url=base, timeout=30) as api:
            body = {"url": hls.url, "fps": FPS, "window": WINDOW, "duration": seconds}
            stream = api.post("/api/v1/streams", json=body).json()
            cpu_before, wall_before = _cpu_seconds(server.pid), time.monotonic()
            with EventReader(f"{base}{stream['events']}?after=-1") as reader:
                reader.wait_for(
                    lambda e: bool(e) and e[-1].event == "end", timeout=seconds + 60, what="end"
                )
            cpu = _cpu_seconds(server.pid) - cpu_before
            wall = time.monotonic() - wall_before
            final = api.get(f"/api/v1/streams/{stream['id']}").json()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    windows = [e for e in reader.events if e.event == "window"]
    # A window's `at` is when it was recorded (UTC); its event arrives here after that.
    delays = [_delay(e.data["at"], e.arrived) for e in windows]
    latencies = [e.data["latency"] for e in windows]
    return {
        "windows": len(windows),
        "skipped": final["skipped"],
        "latency": latencies,
        "delay": delays,
        "cpu_share": cpu / wall / (os.cpu_count() or 1),
    }


def record_cost(folder: Path, windows: int = 200) -> float:
    """Milliseconds to record one 5 s window (25 frames, 2 faces each), on SQLite."""
    database = Database(f"sqlite:///{folder / 'record.sqlite3'}")
    upgrade(database)
    request = StreamRequest(
        source="bench",
        url="https://example.org/a.m3u8",
        kind="hls",
        fps=5,
        window=5,
        max_seconds=3600,
    )
    with database.session() as session:
        stream = create_stream(session=session, request=request, limit=10)
    with database.session() as session:
        claimed = claim_stream(session=session, stream_id=stream.id, lease=600, max_attempts=3)
    assert claimed is not None
    model = {"detector": "blazeface", "classifier": "emonet32-fer2013"}
    started = time.perf_counter()
    for n in range(windows):
        frames = [
            {
                "index": n * 25 + k,
                "t": n * 5 + k * 0.2,
                "faces": [face("happy", "neutral", track=1), face("sad", "angry", track=2)],
            }
            for k in range(25)
        ]
        record = WindowRecord(
            start=n * 5.0,
            end=n * 5.0 + 5,
            audience={"frames": 25, "faces": 50},
            result={"model": model, "frames": frames},
            skipped=0,
            latency=5.0,
            next_frame=n * 25 + 25,
        )
        with database.session() as session:
            record_window(session=session, stream_id=stream.id, attempt=1, window=record)
    database.dispose()
    return (time.perf_counter() - started) / windows * 1000


def _delay(at: str, arrived: float) -> float:
    from datetime import datetime

    recorded = datetime.fromisoformat(at).timestamp()
    return max(0.0, time.time() - (time.monotonic() - arrived) - recorded)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emokognition-bench-streams-") as tmp:
        folder = Path(tmp)
        run = follow(args.seconds, folder)
        cost = record_cost(folder)
    total = [a + b for a, b in zip(run["latency"], run["delay"], strict=True)]
    table = Table(title=f"a live stream through the service ({FPS:g} fps, {WINDOW:g} s windows)")
    table.add_column("measure")
    table.add_column("median", justify="right")
    table.add_column("max", justify="right")
    for name, values in (
        ("frame arrival -> window ready (s)", run["latency"]),
        ("window recorded -> event at the client (s)", run["delay"]),
        ("frame arrival -> event at the client (s)", total),
    ):
        table.add_row(name, f"{statistics.median(values):.2f}", f"{max(values):.2f}")
    table.add_row("target: window + 1 s", f"{WINDOW + 1:.2f}", "")
    table.add_row("serving process CPU, share of all cores", f"{run['cpu_share']:.0%}", "")
    table.add_row("recording one window (25 frames x 2 faces), SQLite (ms)", f"{cost:.1f}", "")
    table.add_row("windows / frames passed over", f"{run['windows']} / {run['skipped']}", "")
    Console().print(table)


if __name__ == "__main__":
    main()

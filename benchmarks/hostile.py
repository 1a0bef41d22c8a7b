"""Server memory on the hostile files it accepts: `emokognition serve` with its two inline
workers, each file sent twice at once.

Run: python -m benchmarks.hostile

The files are the accepted half of tests/media/hostile.py (made here, never committed): 49 MP
PNG and JPEG, a 40 MP RGBA PNG, a 37-byte GIF with a 49 MP screen, 65535 x 700 PNGs, an 8K video.
The server (SQLite and media in a temporary folder) first analyses a portrait and a short
video (its models loaded); its resident memory then is the baseline. Before each file the
kernel's peak (VmHWM) is reset, two sync uploads of it are sent at once, and the peak is read
after both answered. Target: under 700 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from tests.media.hostile import ACCEPTED, corpus
from tests.shared import SAMPLE_PHOTO, VIDEOS

TARGET_MB = 700


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _memory(pid: int, field: str) -> int:
    """A /proc/PID/status field in MB (VmRSS now, VmHWM the peak since the last reset)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError(f"no {field} for process {pid}")


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def _send(base: str, name: str, data: bytes) -> str:
    answer = httpx.post(
        f"{base}/api/v1/analyses?mode=sync",
        files={"file": (name, data, "application/octet-stream")},
        timeout=600,
    )
    body = answer.json()
    if answer.status_code >= 400:
        return f"HTTP {answer.status_code} {body['error']['code']}"
    return str(body["status"]) + (f" {body['error']['code']}" if body.get("error") else "")


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOKOGNITION_")}
    env["EMOKOGNITION_DATA_DIR"] = str(folder)
    server = subprocess.Popen(
        [sys.executable, "-m", "emokognition", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_known_args(argv)
    table = Table(title="emokognition serve (2 inline workers): peak memory, each file 2 at once")
    for column in ("file", "bytes", "before MB", "peak MB", "over baseline MB", "results"):
        table.add_column(column)
    worst = 0
    with tempfile.TemporaryDirectory() as folder:
        server, base = _serve(Path(folder))
        try:
            _send(base, "portrait.jpg", SAMPLE_PHOTO.read_bytes())  # both analyzers loaded
            _send(base, "talk.mp4", (VIDEOS / "woman_talking.mp4").read_bytes())
            baseline = _memory(server.pid, "VmRSS")
            table.add_row("portrait (baseline)", "", "", f"{baseline:,}", "0", "done")
            for name, data in corpus(ACCEPTED):
                before = _memory(server.pid, "VmRSS")
                _reset_peak(server.pid)
                with ThreadPoolExecutor(2) as pool:
                    jobs = [pool.submit(_send, base, name, data) for _ in range(2)]
                    results = [job.result() for job in jobs]
                peak = _memory(server.pid, "VmHWM")
                worst = max(worst, peak)
                table.add_row(
                    name,
                    f"{len(data):,}",
                    f"{before:,}",
                    f"{peak:,}",
                    f"{peak - baseline:,}",
                    ", ".join(results),
                )
        finally:
            server.terminate()
            server.wait(60)
    Console().print(table)
    verdict = "met" if worst < TARGET_MB else "NOT met"
    Console().print(f"worst peak {worst:,} MB: target under {TARGET_MB} MB {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Video: decode floor, every frame, default sampling, workers, memory, and the `fer` package.

Run: python -m benchmarks.video [--peer-python .venv-peer/bin/python] [--minutes 10]

A 1280x720, 30 fps, 15 s clip is made from ../shared/data/videos (scaled up and looped) in
a temporary folder; every ratio below is measured in this one run. Video analysis runs BlazeFace's
adaptive pyramid (EMOKOGNITION_VIDEO_MIN_FACE=16); a row gives one 192 px pass per frame, the
rows "2 tiles" add overlapping tiles to that pass.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.stream import VideoStream
from rich.console import Console
from rich.table import Table

from emokognition.config import get_settings
from emokognition.video import VideoOptions, analyze_video
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.registry import build_analyzer

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "data" / "videos"
SIZE = (1280, 720)
FPS = 30
SECONDS = 15

# Peak memory of one analysis, in a fresh interpreter: prints VmHWM in KiB (its ru_maxrss would
# start at the benchmark's own peak, which Linux carries over fork and exec).
_MEMORY_SCRIPT = """
import sys
from pathlib import Path
from emokognition.video import analyze_video
result = analyze_video(sys.argv[1])
status = Path("/proc/self/status").read_text()
print(status.split("VmHWM:")[1].split()[0], len(result.frames))
"""


def make_clip(folder: Path) -> Path:
    """SECONDS s of 1280x720 at 30 fps: the shared videos scaled up, one after the other, looped."""
    frames: list[np.ndarray] = []
    for name in ("woman_talking.mp4", "hamilton_stage.mp4"):
        with av.open(str(VIDEOS / name)) as container:
            for frame in container.decode(video=0):
                frames.append(
                    cv2.resize(
                        frame.to_ndarray(format="bgr24"), SIZE, interpolation=cv2.INTER_CUBIC
                    )
                )
    path = folder / "clip_720p.mp4"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for i in range(FPS * SECONDS):
            picture = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="bgr24")
            out.mux(stream.encode(picture))
        out.mux(stream.encode())
    return path


def make_long(clip: Path, folder: Path, minutes: float) -> Path:
    """The clip repeated for `minutes`, by copying its packets (no re-encoding)."""
    path = folder / f"clip_{minutes:g}min.mp4"
    loops = max(1, round(minutes * 60 / SECONDS))
    with av.open(str(clip)) as source, av.open(str(path), mode="w") as out:
        original = source.streams.video[0]
        stream = out.add_stream_from_template(original)
        packets = [p for p in source.demux(original) if p.size]
        span = (max(p.pts or 0 for p in packets) + (packets[0].duration or 0)) - min(
            p.pts or 0 for p in packets
        )
        for loop in range(loops):
            for packet in packets:
                copy = av.Packet(bytes(packet))
                copy.pts = (packet.pts or 0) + loop * span
                copy.dts = (packet.dts or 0) + loop * span
                copy.time_base = original.time_base or Fraction(1, 90000)
                copy.is_keyframe = packet.is_keyframe
                copy.stream = stream
                out.mux(copy)
    return path


def decode_only(path: Path) -> float:
    """Seconds to demux and decode every frame (no conversion): the floor."""
    started = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass
    return time.perf_counter() - started


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of `runs` timed runs (other work on the machine only slows runs down)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_memory(path: Path) -> tuple[float, int]:
    """Peak resident MiB of analysing `path` in a fresh process, and frames analysed."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    kib, frames = done.stdout.split()
    return int(kib) / 1024, int(frames)


def run_peer(peer_python: Path, clip: Path) -> dict[str, float] | None:
    if not peer_python.exists():
        return None
    script = Path(__file__).with_name("peer_fer_video.py")
    done = subprocess.run(
        [str(peer_python), str(script), str(clip)], capture_output=True, text=True, check=True
    )
    peer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return peer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", type=Path, default=REPO / ".venv-peer" / "bin" / "python")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the long video")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="emokognition-bench-") as tmp:
        folder = Path(tmp)
        console.print(f"making a {SIZE[0]}x{SIZE[1]} {FPS} fps clip of {SECONDS} s ...")
        clip = make_clip(folder)
        speed_table(console, clip, args.peer_python)
        workers_table(console, clip)
        console.print(f"making a {args.minutes:g}-minute video ...")
        memory_table(console, clip, make_long(clip, folder, args.minutes), args.minutes)
    sys.stdout.flush()


def speed_table(console: Console, clip: Path, peer_python: Path) -> None:
    settings = get_settings()
    analyzer = build_analyzer(None, settings, "video")  # the video default
    # one 192 px pass per frame, the default before the adaptive pyramid
    one_pass = build_analyzer(None, settings.model_copy(update={"video_min_face": 0}), "video")
    tiled = Analyzer(settings=settings.model_copy(update={"threads": 1, "tiles": 2, "min_face": 0}))
    for warm in (analyzer, one_pass, tiled):  # warm-up: models, caches
        analyze_video(clip, VideoOptions(every=30), analyzer=warm)
    floor = best_of(3, lambda: decode_only(clip))
    every = best_of(
        2, lambda: analyze_video(clip, VideoOptions(all_frames=True), analyzer=analyzer)
    )
    default = best_of(3, lambda: analyze_video(clip, analyzer=analyzer))
    default_one_pass = best_of(3, lambda: analyze_video(clip, analyzer=one_pass))
    every_tiled = best_of(
        1, lambda: analyze_video(clip, VideoOptions(all_frames=True), analyzer=tiled)
    )
    default_tiled = best_of(2, lambda: analyze_video(clip, analyzer=tiled))
    table = Table(
        title=f"video {SIZE[0]}x{SIZE[1]}, {FPS} fps, {SECONDS} s ({FPS * SECONDS} frames)",
        title_justify="left",
    )
    for column in ("run", "seconds", "frames / s", "x realtime", "vs decode floor", "target"):
        table.add_column(column, justify="right")
    frames = FPS * SECONDS

    def row(name: str, seconds: float, target: str) -> None:
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{frames / seconds:,.0f}",
            f"{SECONDS / seconds:.1f}x",
            f"{seconds / floor:.2f}x",
            target,
        )

    row("decode only (floor)", floor, "")
    row("every frame", every, ">= 2x realtime")
    row("default sampling (5 fps)", default, "<= 1.5x floor, >= 10x realtime")
    row("default sampling, one pass (VIDEO_MIN_FACE=0)", default_one_pass, "")
    row("every frame, 2 tiles", every_tiled, "")
    row("default sampling, 2 tiles", default_tiled, "")
    peer = run_peer(peer_python, clip)
    if peer is None:
        console.print(table)
        console.print(f"fer package: not measured ({peer_python} missing)")
        return
    row("fer 25.10.3, every frame", peer["seconds"], "")
    console.print(table)
    console.print(
        f"every frame: {peer['seconds'] / every:.1f}x faster than the fer package "
        f"({int(peer['faces'])} faces found by fer); default sampling: "
        f"{peer['seconds'] / default:.1f}x faster"
    )


def workers_table(console: Console, clip: Path) -> None:
    """Wall time per worker count and backend, and how evenly the plan shares the work: each
    segment's estimated cost and its measured time alone (decoding from its keyframe)."""
    from emokognition.video.plan import Plan
    from emokognition.video.probe import probe_video
    from emokognition.video.workers import SegmentJob, run_segment

    settings = get_settings()
    probe = probe_video(clip, settings)
    sampling = VideoOptions().sampling(default_fps=settings.video_fps)
    analyzer = build_analyzer(None, settings, "video")
    keyframes = int(probe.index.keyframes.sum())
    table = Table(
        title=f"workers, default sampling, same clip ({keyframes} keyframes in "
        f"{len(probe.index)} frames)",
        title_justify="left",
    )
    columns = ("workers", "processes (s)", "Ray (s)", "vs 1", "largest segment: estimated")
    for column in (*columns, "measured"):
        table.add_column(column, justify="right")
    base = None
    for workers in (1, 2, 4, 8):
        wall = best_of(2, partial(analyze_video, clip, VideoOptions(workers=workers)))
        ray = _ray_seconds(clip, workers) if workers in (2, 4) else None
        base = base or wall
        plan = Plan.build(probe.index, sampling, workers=workers)
        costs = [segment.cost for segment in plan.segments]
        times = []
        for segment in plan.segments:
            started = time.perf_counter()
            run_segment(analyzer, SegmentJob(probe, plan, segment))
            times.append(time.perf_counter() - started)
        table.add_row(
            str(workers),
            f"{wall:.2f}",
            "" if ray is None else f"{ray:.2f}",
            f"{base / wall:.2f}x",
            f"{max(costs) / (sum(costs) / len(costs)):.2f}x the mean",
            f"{max(times) / (sum(times) / len(times)):.2f}x the mean",
        )
    console.print(table)
    console.print(f"(this machine has {os.cpu_count()} cores: more workers than cores only queue)")


def _ray_seconds(clip: Path, workers: int) -> float | None:
    try:
        import ray  # noqa: F401
    except ImportError:
        return None
    options = VideoOptions(workers=workers, backend="ray")
    analyze_video(clip, options)  # starts Ray and its actors' models once
    return best_of(2, partial(analyze_video, clip, options))


def memory_table(console: Console, clip: Path, long: Path, minutes: float) -> None:
    short_mib, short_frames = peak_memory(clip)
    long_mib, long_frames = peak_memory(long)
    table = Table(title="peak memory (fresh process, default sampling)", title_justify="left")
    for column in ("video", "analysed frames", "peak MiB", "vs 15 s", "target"):
        table.add_column(column, justify="right")
    table.add_row(f"{SECONDS} s", str(short_frames), f"{short_mib:.0f}", "1.00x", "")
    table.add_row(
        f"{minutes:g} min",
        str(long_frames),
        f"{long_mib:.0f}",
        f"{long_mib / short_mib:.2f}x",
        "<= 1.20x",
    )
    console.print(table)


if __name__ == "__main__":
    main()

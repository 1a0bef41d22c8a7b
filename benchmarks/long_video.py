"""Long videos as service jobs: a worker's peak memory on a `--seconds` 1280x720 video (an hour
by default) against a minute of the same, and the size of the analysis's answer.

Run: python -m benchmarks.long_video [--seconds 3600] [--fps 1]

The video is made cheaply: a 10 s segment (the sample face at the left for 5 s, then at the
right), encoded once at 5 frames per second, then copied end to end without re-encoding. Each
length is analysed by `run_analysis` (what inline threads and Celery workers run) in a fresh
process on its own SQLite database, at `--fps` analysed frames per second; its peak resident
memory is read there, and its answer from `GET /api/v1/analyses/{id}`. Target: the long
video's peak within 1.2x of the minute's, its answer under 1 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from av.video.stream import VideoStream
from rich.console import Console
from rich.table import Table
from tests.shared import SAMPLE_PHOTO

from emokognition.config import Settings
from emokognition.store import MediaStore

SEGMENT_SECONDS = 10
RATE = 5

# Runs in a fresh interpreter: argv = data folder, stored video's sha256, fps. The video was
# stored by the caller (as the server stores an upload): the worker reads it from its file.
_WORKER = """
import json, resource, sys, time
from pathlib import Path
from typing import Any
from fastapi.testclient import TestClient
from emokognition.config import Settings
from emokognition.jobs import JobContext, run_analysis
from emokognition.store import create_analysis, upgrade
from emokognition.web.app import create_app

folder, sha256, fps = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
settings = Settings(data_dir=folder, video_fps=fps, max_video_seconds=10 * 3600)
context = JobContext.create(settings)
upgrade(context.database)
with context.database.session() as session:
    job = create_analysis(session=session, source="upload", kind="video", media_sha256=sha256)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
outcome = run_analysis(job.id, context)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with TestClient(create_app(settings)) as client:
    answer = client.get(f"/api/v1/analyses/{job.id}")
body = answer.json()
print(json.dumps({
    "status": outcome.status, "seconds": seconds, "before_kb": before, "peak_kb": peak,
    "answer_bytes": len(answer.content), "frames": body["frame_pages"]["total"],
    "faces": body["faces"], "tracks": len(body["result"]["tracks"]),
}))
"""


def make_segment(path: Path) -> None:
    """10 s at 5 fps of 1280x720: the face at the left, then at the right."""
    photo = cv2.imread(str(SAMPLE_PHOTO))
    if photo is None:
        raise SystemExit(f"cannot read {SAMPLE_PHOTO}")
    face = cv2.resize(photo, (360, int(360 * photo.shape[0] / photo.shape[1])))
    frames = []
    for x in (100, 800):
        canvas = np.full((720, 1280, 3), 90, np.uint8)
        canvas[100 : 100 + face.shape[0], x : x + face.shape[1]] = face
        frames.append(canvas)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=RATE)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.gop_size = RATE * SEGMENT_SECONDS
        stream.options = {"preset": "ultrafast", "crf": "35", "bf": "0"}
        for n in range(RATE * SEGMENT_SECONDS):
            half = n * 2 // (RATE * SEGMENT_SECONDS)
            frame = av.VideoFrame.from_ndarray(frames[half], format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def repeat(segment: Path, target: Path, seconds: int) -> None:
    """The segment end to end until `seconds`, its packets copied with shifted times."""
    with av.open(str(segment)) as source, av.open(str(target), mode="w") as out:
        stream_in = source.streams.video[0]
        stream = out.add_stream_from_template(stream_in)
        packets = [p for p in source.demux(stream_in) if p.size and p.pts is not None]
        base = stream_in.time_base or Fraction(1, 90000)
        step = round(SEGMENT_SECONDS / base)
        for copy in range(max(1, seconds // SEGMENT_SECONDS)):
            for packet in packets:
                clone = av.Packet(bytes(packet))
                clone.pts = (packet.pts or 0) + copy * step
                clone.dts = (packet.dts or 0) + copy * step
                clone.time_base, clone.is_keyframe = base, packet.is_keyframe
                clone.stream = stream
                out.mux(clone)


def analyse(folder: Path, video: Path, fps: float) -> dict[str, Any]:
    sha256 = MediaStore(Settings(data_dir=folder).media_dir).put(video.read_bytes())
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, str(folder), sha256, str(fps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"worker failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=3600, help="the long video's length")
    parser.add_argument("--short", type=int, default=60, help="the short video's length")
    parser.add_argument("--fps", type=float, default=1.0, help="analysed frames per second")
    args, _ = parser.parse_known_args()  # `make bench` passes --peer-python to every module
    console = Console()
    table = Table(
        title=f"video jobs, 1280x720 at {RATE} fps, {args.fps:g} analysed per second "
        "(target: peak <= 1.2x the short one's, answer < 1 MB)",
        title_justify="left",
    )
    for column in (
        "length s",
        "MB file",
        "frames",
        "tracks",
        "seconds",
        "peak MB",
        "vs short",
        "answer KB",
    ):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        segment = folder / "segment.mp4"
        make_segment(segment)
        short_peak = 0.0
        for seconds in (args.short, args.seconds):
            video = folder / f"{seconds}.mp4"
            repeat(segment, video, seconds)
            run = analyse(folder / f"data-{seconds}", video, args.fps)
            if run["status"] != "done":
                raise SystemExit(f"the {seconds} s job ended {run['status']}")
            peak = run["peak_kb"] / 1024
            short_peak = short_peak or peak
            table.add_row(
                str(seconds),
                f"{video.stat().st_size / 1e6:.1f}",
                f"{run['frames']:,}",
                str(run["tracks"]),
                f"{run['seconds']:.0f}",
                f"{peak:.0f}",
                f"{peak / short_peak:.2f}x",
                f"{run['answer_bytes'] / 1024:.0f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()

"""Per-track smoothing: main-emotion flips per track-second, and the lag it adds.

Run: python -m benchmarks.smoothing

Each video of ../shared/data/videos is analysed once at the default 5 fps without smoothing;
its tracked frames are then smoothed again at each weight (the tracks stay the same). A flip is
a track's main emotion changing from one analysed frame to its next. The lag is how long a
track's main emotion takes to follow a step (a face that turns from happy to sad at 70 %).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from emokognition.emotions import EMOTIONS
from emokognition.video import FrameResult, VideoOptions, analyze_video
from emokognition.video.timeline import DEFAULT_SMOOTHING, Timelines
from emokognition.vision.faces import Detection, Face

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "data" / "videos"
FPS = 5.0
WEIGHTS = (0.0, 0.3, 0.5, 0.6, DEFAULT_SMOOTHING, 0.8, 0.9)


def flips(frames: Sequence[FrameResult], weight: float) -> tuple[int, float]:
    """Main-emotion flips over all tracks, and the tracks' seconds on screen, at `weight`."""
    timelines = Timelines(smoothing=weight)
    last: dict[int, str] = {}
    count = 0
    for frame in frames:
        for face in timelines.add(frame).faces:
            assert face.track is not None
            if last.get(face.track, face.main) != face.main:
                count += 1
            last[face.track] = face.main
    seconds = sum(track.frames / FPS for track in timelines.tracks())
    return count, seconds


def step_lag(weight: float, strength: float = 0.7) -> float:
    """Seconds from a face's turn (happy to sad) to its smoothed main emotion turning."""

    def face(emotion: str) -> Face:
        import numpy as np

        probabilities = np.full(len(EMOTIONS), (1 - strength) / 6, np.float32)
        probabilities[EMOTIONS.index(emotion)] = strength
        return Face.from_probabilities(Detection((100, 100, 80, 80), 0.9), probabilities)

    timelines = Timelines(smoothing=weight)
    turn = 20
    for i in range(turn + 50):
        emotion = "happy" if i < turn else "sad"
        frame = timelines.add(FrameResult(index=i, t=i / FPS, faces=(face(emotion),)))
        if i >= turn and frame.faces[0].main == "sad":
            return (i - turn) / FPS
    return float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_known_args(argv)
    console = Console()
    analysed = {
        path.name: analyze_video(path, VideoOptions(fps=FPS, smoothing=0.0)).frames
        for path in sorted(VIDEOS.glob("*.mp4"))
    }
    table = Table(title=f"main-emotion flips per track-second, {FPS:g} fps (../shared/data/videos)")
    table.add_column("smoothing")
    for name in analysed:
        table.add_column(name)
    table.add_column("all")
    table.add_column("flips vs none")
    table.add_column("lag (step)")
    base = None
    for weight in WEIGHTS:
        cells, total_flips, total_seconds = [], 0, 0.0
        for frames in analysed.values():
            count, seconds = flips(frames, weight)
            cells.append(f"{count / max(seconds, 1e-9):.3f} ({count} in {seconds:.0f} s)")
            total_flips, total_seconds = total_flips + count, total_seconds + seconds
        rate = total_flips / max(total_seconds, 1e-9)
        base = rate if base is None else base
        label = f"{weight:g}" + (" (default)" if weight == DEFAULT_SMOOTHING else "")
        table.add_row(
            label, *cells, f"{rate:.3f}", f"{rate / base:.2f}x", f"{step_lag(weight):.1f} s"
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Track fragmentation in a crowd: the share of tracks seen in only one or two analysed frames.

Run: python -m benchmarks.tracks

The clip is made from real faces: the labelled shared photos packed (as in the crowd set of
`eval faces --crowd`) into a 1600x900 picture with faces from 16 px up, and a 1280x720 window
that pans across it, 4 s at 30 fps, written with PyAV as H.264. Every face stays on screen the
whole time, so each is one person: the ideal is one track per face, none of one or two
frames. The clip is analysed once at the default 5 fps with the small-face pyramid
(`--min-face 16`); its detections are then tracked again by the tracker as it was before
(1 s max age, centre distance within one mean side) and as it is now (also 3 analysed
frames unseen, two mean sides, the crowd's common motion undone for a second chance).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from rich.console import Console
from rich.table import Table

from emokognition.config import Settings, get_settings
from emokognition.evaluation.crowd import pack
from emokognition.evaluation.detection import LabelledImage, load_labelled
from emokognition.video import FrameResult, VideoOptions, analyze_video
from emokognition.video.tracker import Tracker

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "data" / "photos"
CLIP_SIZE = (1280, 720)
SCENE_SIZE = (1600, 900)
CLIP_FPS = 30
CLIP_SECONDS = 4.0
SMALLEST_FACE = 16
BEFORE: dict[str, Any] = {
    "max_distance": 1.0,
    "max_age": 1.0,
    "max_misses": 0,
    "follow_crowd": False,
}


@dataclass(frozen=True, slots=True)
class Fragmentation:
    """How the faces of a clip split into tracks."""

    tracks: int
    short: int  # tracks of one or two analysed frames
    faces: int  # face-frames tracked

    @property
    def short_share(self) -> float:
        return self.short / self.tracks if self.tracks else 0.0


def crowd_clip(path: Path, *, seconds: float = CLIP_SECONDS, photos: Path = PHOTOS) -> int:
    """Write the panning crowd clip to `path` (mp4); the number of labelled faces that stay
    inside the window the whole time."""
    scene = pack(
        [p for p in load_labelled(photos, get_settings()) if len(p.boxes)],
        _background(photos),
        smallest_face=SMALLEST_FACE,
        size=SCENE_SIZE,
    )
    width, height = CLIP_SIZE
    frames = round(seconds * CLIP_FPS)
    dx, dy = SCENE_SIZE[0] - width, SCENE_SIZE[1] - height
    boxes = scene.boxes
    inside = (boxes[:, 0] >= dx) & (boxes[:, 0] + boxes[:, 2] <= width)
    inside &= (boxes[:, 1] >= dy) & (boxes[:, 1] + boxes[:, 3] <= height)
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=CLIP_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, CLIP_FPS)
        for i in range(frames):
            # Left to right at 80 px/s and top to bottom eased in and out: every face moves
            # 14-18 px between analysed frames, about the side of the smallest ones.
            x = round(dx * i / max(frames - 1, 1))
            y = round(dy * (1.0 - np.cos(np.pi * i / max(frames - 1, 1))) / 2.0)
            window = np.ascontiguousarray(scene.pixels[y : y + height, x : x + width])
            frame = av.VideoFrame.from_ndarray(window, format="bgr24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return int(inside.sum())


def _background(photos: Path) -> LabelledImage:
    images = load_labelled(photos, get_settings())
    return next(p for p in images if not len(p.boxes))


def detect(path: Path, settings: Settings) -> list[FrameResult]:
    """The clip's analysed frames (default sampling) with the pyramid for small faces."""
    settings = settings.model_copy(update={"video_min_face": SMALLEST_FACE})
    result = analyze_video(path, VideoOptions(smoothing=0.0), settings=settings)
    return list(result.frames)


def fragmentation(frames: Sequence[FrameResult], tracker: Tracker) -> Fragmentation:
    """Track the frames' detections afresh and count the tracks and the short ones."""
    counts: dict[int, int] = {}
    faces = 0
    for frame in frames:
        boxes = [
            (float(x), float(y), float(w), float(h)) for x, y, w, h in (f.box for f in frame.faces)
        ]
        ids = tracker.update(frame.t, boxes)
        for track in ids:
            counts[track] = counts.get(track, 0) + 1
        faces += len(ids)
    short = sum(1 for n in counts.values() if n <= 2)
    return Fragmentation(tracks=len(counts), short=short, faces=faces)


def measure(seconds: float = CLIP_SECONDS) -> tuple[int, int, Fragmentation, Fragmentation]:
    """(faces always on screen, analysed frames, before, after) on a fresh clip."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crowd.mp4"
        people = crowd_clip(path, seconds=seconds)
        frames = detect(path, get_settings())
    before = fragmentation(frames, Tracker(**BEFORE))
    after = fragmentation(frames, Tracker())
    return people, len(frames), before, after


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=CLIP_SECONDS)
    args = parser.parse_args(argv)
    people, analysed, before, after = measure(args.seconds)
    table = Table(title=f"crowd clip: {people} faces on screen throughout, {analysed} frames")
    for column in ("tracker", "tracks", "of 1-2 frames", "share", "face-frames"):
        table.add_column(column, justify="right")
    for name, f in (("before", before), ("now", after)):
        table.add_row(name, str(f.tracks), str(f.short), f"{f.short_share:.1%}", str(f.faces))
    Console().print(table)


if __name__ == "__main__":
    main()

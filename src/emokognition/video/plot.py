"""Draw each track's emotions over time: one panel per track, one line per emotion."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError
from emokognition.video.results import VideoResult
from emokognition.vision.annotate import COLOURS

MAX_TRACKS = 12
"""Panels drawn at most: the tracks seen in the most frames."""


def plot_timelines(result: VideoResult, target: Path, *, max_tracks: int = MAX_TRACKS) -> Path:
    """Write a PNG (or SVG, PDF: by suffix) of every track's seven emotions over time.

    Tracks are drawn in id order; beyond `max_tracks`, only the longest ones.

    Raises:
        MediaError: The file cannot be written.
    """
    longest = sorted(result.tracks, key=lambda track: (-track.frames, track.id))[:max_tracks]
    shown = sorted(longest, key=lambda track: track.id)
    rows = max(len(shown), 1)
    figure = Figure(figsize=(10, 1.0 + 1.9 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, squeeze=False, sharex=True)[:, 0]
    duration = result.media.duration or max((f.t for f in result.frames), default=1.0)
    for ax, track in zip(axes, shown, strict=False):
        series = [
            (frame.t, face)
            for frame in result.frames
            for face in frame.faces
            if face.track == track.id
        ]
        times = [t for t, _ in series]
        for name in EMOTIONS:
            blue, green, red = COLOURS[name]
            ax.plot(
                times,
                [face.emotions[name] for _, face in series],
                label=name,
                color=(red / 255, green / 255, blue / 255),
                linewidth=1.4,
                marker="." if len(series) < 30 else None,
            )
        ax.set_ylim(0, 1)
        ax.set_xlim(0, max(duration, 1e-3))
        ax.set_ylabel("probability")
        ax.set_title(
            f"track {track.id}: {track.main} / {track.alternative}, "
            f"{track.start:.1f}-{track.end:.1f} s, {track.frames} frames",
            loc="left",
            fontsize=10,
        )
        ax.grid(alpha=0.3)
    if not shown:
        axes[0].text(0.5, 0.5, "no faces found", ha="center", va="center")
        axes[0].set_axis_off()
    else:
        axes[0].legend(ncol=7, loc="lower left", bbox_to_anchor=(0, 1.15), fontsize=8)
    axes[-1].set_xlabel("time (s)")
    try:
        figure.savefig(target, dpi=100)
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot write {target}: {exc}") from exc
    return target


__all__ = ["MAX_TRACKS", "plot_timelines"]

"""Draw a video's emotions over time: first the audience (everyone on screen, per time
bucket), then one panel per track; one line per emotion."""

from __future__ import annotations

import math
from pathlib import Path

from emokognition.emotions import EMOTIONS
from emokognition.errors import MediaError, MissingExtra
from emokognition.video.results import Track, VideoResult
from emokognition.vision.annotate import COLOURS

try:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError as exc:  # the base install has no matplotlib
    raise MissingExtra("emotion timeline plots", "plot") from exc

MAX_TRACKS = 12
"""Track panels drawn at most: the tracks seen in the most frames."""

AUDIENCE_TITLE = "audience"
"""The first panel's title starts so (tests and readers look for it)."""


def plot_timelines(result: VideoResult, target: Path, *, max_tracks: int = MAX_TRACKS) -> Path:
    """Write a PNG (or SVG, PDF: by suffix) of the audience's and every track's seven
    emotions over time.

    Raises:
        MediaError: The file cannot be written.
    """
    figure = timeline_figure(result, max_tracks=max_tracks)
    try:
        figure.savefig(target, dpi=100)
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot write {target}: {exc}") from exc
    return target


def timeline_figure(result: VideoResult, *, max_tracks: int = MAX_TRACKS) -> Figure:
    """The figure of `plot_timelines`: the audience panel first (mean probabilities as
    lines, the shares of main emotions shaded beneath), then the tracks in id order; beyond
    `max_tracks`, only the longest ones. Without faces, one panel that says so."""
    longest = sorted(result.tracks, key=lambda track: (-track.frames, track.id))[:max_tracks]
    shown = sorted(longest, key=lambda track: track.id)
    rows = 1 + len(shown) if shown else 1
    figure = Figure(figsize=(10, 1.0 + 1.9 * rows + (0.4 if shown else 0)), layout="constrained")
    FigureCanvasAgg(figure)
    heights = [1.25] + [1.0] * len(shown) if shown else [1.0]
    axes = figure.subplots(rows, 1, squeeze=False, sharex=True, height_ratios=heights)[:, 0]
    duration = result.media.duration or max((f.t for f in result.frames), default=1.0)
    if not shown and not any(mood.faces for mood in result.audience):
        axes[0].text(0.5, 0.5, "no faces found", ha="center", va="center")
        axes[0].set_axis_off()
        return figure
    _audience_panel(axes[0], result)
    for ax, track in zip(axes[1:], shown, strict=True):
        _track_panel(ax, result, track)
    for ax in axes:
        ax.set_ylim(0, 1)
        ax.set_xlim(0, max(duration, 1e-3))
        ax.set_ylabel("probability")
        ax.grid(alpha=0.3)
    axes[0].legend(ncol=7, loc="lower left", bbox_to_anchor=(0, 1.2), fontsize=8)
    axes[-1].set_xlabel("time (s)")
    return figure


def _colour(name: str) -> tuple[float, float, float]:
    blue, green, red = COLOURS[name]
    return red / 255, green / 255, blue / 255


def _audience_panel(ax: Axes, result: VideoResult) -> None:
    audience = result.audience
    middles = [(mood.start + mood.end) / 2 for mood in audience]
    edges = [mood.start for mood in audience] + ([audience[-1].end] if audience else [])
    shares = [[(mood.shares or {}).get(name, 0.0) for mood in audience] for name in EMOTIONS]
    # Shares are per bucket: drawn as steps, stacked, behind the means.
    bottom = [0.0] * len(audience)
    for name, values in zip(EMOTIONS, shares, strict=True):
        top = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.stairs(top, edges, baseline=bottom, fill=True, color=_colour(name), alpha=0.18)
        bottom = top
    for name in EMOTIONS:
        means = [(mood.emotions or {}).get(name, math.nan) for mood in audience]
        ax.plot(
            middles,
            means,
            label=name,
            color=_colour(name),
            linewidth=1.8,
            marker="." if len(audience) < 30 else None,
        )
    people = max((mood.people for mood in audience), default=0)
    ax.set_title(
        f"{AUDIENCE_TITLE}: mean probabilities (lines) and shares of main emotions (shaded) "
        f"per {result.bucket:g} s, up to {people} on screen",
        loc="left",
        fontsize=10,
    )


def _track_panel(ax: Axes, result: VideoResult, track: Track) -> None:
    series = [
        (frame.t, face) for frame in result.frames for face in frame.faces if face.track == track.id
    ]
    times = [t for t, _ in series]
    for name in EMOTIONS:
        ax.plot(
            times,
            [face.emotions[name] for _, face in series],
            label=name,
            color=_colour(name),
            linewidth=1.4,
            marker="." if len(series) < 30 else None,
        )
    ax.set_title(
        f"track {track.id}: {track.main} / {track.alternative}, "
        f"{track.start:.1f}-{track.end:.1f} s, {track.frames} frames",
        loc="left",
        fontsize=10,
    )


__all__ = ["AUDIENCE_TITLE", "MAX_TRACKS", "plot_timelines", "timeline_figure"]

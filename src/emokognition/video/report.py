"""Video results as text for people and spreadsheets: a table per track, CSV rows per face."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from emokognition.emotions import EMOTIONS

CSV_HEADER = (
    "input",
    "frame",
    "t",
    "track",
    "x",
    "y",
    "w",
    "h",
    "score",
    *EMOTIONS,
    "main",
    "alternative",
)
"""Columns of `--format csv` for videos: one row per face per analysed frame."""

PHOTO_CSV_HEADER = ("input", "face", "x", "y", "w", "h", "score", *EMOTIONS, "main", "alternative")
"""Columns of `--format csv` for photos only: one row per face, numbered from 0."""


def csv_rows(name: str, result: dict[str, Any]) -> Iterator[list[str | int | float]]:
    """One row per face per analysed frame of a video result (`VideoResult.to_dict()`)."""
    for frame in result["frames"]:
        for face in frame["faces"]:
            yield [
                name,
                frame["index"],
                f"{frame['t']:.3f}",
                face.get("track", ""),
                *face["box"],
                face["score"],
                *(f"{face['emotions'][emotion]:.6f}" for emotion in EMOTIONS),
                face["main"],
                face["alternative"],
            ]


def photo_csv_rows(name: str, result: dict[str, Any]) -> Iterator[list[str | int | float]]:
    """One row per face of an image result, in `PHOTO_CSV_HEADER`'s columns."""
    for i, face in enumerate(result["faces"]):
        yield [
            name,
            i,
            *face["box"],
            face["score"],
            *(f"{face['emotions'][emotion]:.6f}" for emotion in EMOTIONS),
            face["main"],
            face["alternative"],
        ]


def image_csv_rows(name: str, result: dict[str, Any]) -> Iterator[list[str | int | float]]:
    """An image result in the video CSV columns (no frame, time or track), for mixed runs."""
    for face in result["faces"]:
        yield [
            name,
            "",
            "",
            "",
            *face["box"],
            face["score"],
            *(f"{face['emotions'][emotion]:.6f}" for emotion in EMOTIONS),
            face["main"],
            face["alternative"],
        ]


def print_tracks(console: Console, name: str, result: dict[str, Any]) -> None:
    """A table of the tracked people of a video result: time on screen, main, alternative."""
    media, tracks = result["media"], result["tracks"]
    sampling = ", ".join(f"{k} {v}" for k, v in result["sampling"].items())
    skipped = f", {result['skipped']} frames skipped" if result.get("skipped") else ""
    # A heading line rather than a table title: rich would wrap a long path mid-phrase.
    heading = (
        f"{name} ({media['width']}x{media['height']}, {media.get('duration', 0):.1f} s, "
        f"{len(result['frames'])} frames analysed ({sampling}), "
        f"{len(tracks)} tracks{skipped})"
    )
    console.print(heading, soft_wrap=True, markup=False)
    table = Table()
    for column in ("track", "on screen", "seconds", "frames", "main", "alternative"):
        table.add_column(column)
    for track in tracks:
        main, alternative = track["main"], track["alternative"]
        table.add_row(
            str(track["id"]),
            f"{track['start']:.1f}-{track['end']:.1f} s",
            f"{track['end'] - track['start']:.1f}",
            str(track["frames"]),
            f"{main} {track['emotions'][main]:.0%}",
            f"{alternative} {track['emotions'][alternative]:.0%}",
        )
    console.print(table)


__all__ = [
    "CSV_HEADER",
    "PHOTO_CSV_HEADER",
    "csv_rows",
    "image_csv_rows",
    "photo_csv_rows",
    "print_tracks",
]

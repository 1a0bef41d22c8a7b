"""Where annotated pictures, videos and plots can be written: checked before any analysis."""

from __future__ import annotations

from pathlib import Path

from emokognition.errors import MediaError, UnsupportedFormat

IMAGE_TARGETS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
"""Suffixes of the annotated pictures we write (OpenCV's encoders)."""
VIDEO_CONTAINERS = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
}
"""The annotated videos we write (`video.annotate.write_annotated`): suffix -> FFmpeg muxer."""
VIDEO_TARGETS = tuple(VIDEO_CONTAINERS)
PLOT_TARGETS = (".png", ".svg", ".pdf")
"""Suffixes of the emotion timelines we draw (`video.plot.plot_timelines`)."""

TARGETS = {"image": IMAGE_TARGETS, "video": VIDEO_TARGETS, "plot": PLOT_TARGETS}


def check_target(target: Path, what: str) -> None:
    """Refuse a file that an annotated image, video or plot (`what`) cannot be written to.

    Raises:
        UnsupportedFormat: The suffix is not one we write for `what`.
        MediaError: The folder it would go in does not exist, or is not a folder.
    """
    suffixes = TARGETS[what]
    if target.suffix.lower() not in suffixes:
        named = f"{target.suffix!r}" if target.suffix else "a file without a suffix"
        raise UnsupportedFormat(
            f"cannot write {'a' if what == 'plot' else 'an annotated'} {what} as {named} "
            f"(use {', '.join(suffixes)})"
        )
    folder = target.parent
    if not folder.exists():
        raise MediaError(f"folder {folder} does not exist")
    if not folder.is_dir():
        raise MediaError(f"{folder} is not a folder")


def check_folder(folder: Path) -> None:
    """Refuse a path that files cannot be written into (an existing file).

    Raises:
        MediaError: `folder` exists and is not a folder.
    """
    if folder.exists() and not folder.is_dir():
        raise MediaError(f"{folder} is a file, not a folder (several inputs are written into one)")

"""The rules for command-line values, checked by argparse before any work (exit 2), and the
settings the options give."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emokognition.config import Settings


class UsageError(Exception):
    """A command line that cannot work, found after parsing but before any work: `main`
    reports it as argparse reports a bad option (usage, message, exit 2)."""


def positive_int(text: str) -> int:
    """An integer >= 1 (`--every`, `--workers`, `--concurrency`)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (`--tiles`, `--detect-size`)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (`--fps`)."""
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (`--interval`)."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def smoothing(text: str) -> float:
    """A track's weight of its past, in [0, 1) (`--smoothing`)."""
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def photo_settings(args: argparse.Namespace) -> Settings:
    """The settings with the command line's `--tiles`, `--detect-size`, `--min-face`,
    `--pyramid` and `--classifier`, where the command has them and they were given.

    `--tiles` and `--min-face` set the video frames' `video_tiles` and `video_min_face` too:
    an option on the command line applies to every input, photo or video (`--detect-size`
    and `--pyramid` are one setting for both already).
    """
    from emokognition.config import get_settings

    update = {
        name: value
        for name in ("tiles", "detect_size", "min_face", "pyramid", "classifier")
        if (value := getattr(args, name, None)) is not None
    }
    for photo, video in (("tiles", "video_tiles"), ("min_face", "video_min_face")):
        if photo in update:
            update[video] = update[photo]
    return get_settings().model_copy(update=update)

"""Command-line options turned into settings."""

from __future__ import annotations

import argparse

from emokognition.config import Settings, get_settings
from emokognition.errors import EmokognitionError


def photo_settings(args: argparse.Namespace) -> Settings:
    """The settings with the command line's `--tiles` and `--detect-size`, when given."""
    update = {
        name: value
        for name, value in (("tiles", args.tiles), ("detect_size", args.detect_size))
        if value is not None
    }
    if any(value < 0 for value in update.values()):
        raise EmokognitionError("--tiles and --detect-size must not be negative")
    return get_settings().model_copy(update=update)

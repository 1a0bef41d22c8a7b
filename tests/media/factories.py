"""Media made from the shared photos for tests that need a form the data does not have."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.shared import PHOTOS


def animated_gif(path: Path) -> Path:
    """A three-frame animated GIF of a real portrait (the face turns a little)."""
    portrait = Image.open(PHOTOS / "justin_portrait.jpg").convert("RGB")
    frames = [portrait, portrait.rotate(4), portrait.rotate(8)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path

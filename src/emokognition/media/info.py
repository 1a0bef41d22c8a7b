"""What we know about a piece of media before analysing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Kind, size and identity of an image or video.

    Attributes:
        kind: "image" or "video".
        width: Width in pixels of the upright picture.
        height: Height in pixels of the upright picture.
        format: Container or image format, as named by `sniff_format`.
        sha256: Hex digest of the original bytes, or None for in-memory arrays.
        fps: Average frames per second (video only).
        duration: Seconds (video only).
        frames: Number of frames (video only; may be an estimate from the container).
    """

    kind: str
    width: int
    height: int
    format: str
    sha256: str | None = None
    fps: float | None = None
    duration: float | None = None
    frames: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("image", "video"):
            raise ValueError(f"kind must be 'image' or 'video', got {self.kind!r}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"size must be positive, got {self.width}x{self.height}")

    def to_dict(self) -> dict[str, Any]:
        """The `media` object of the result contract (absent fields left out)."""
        out: dict[str, Any] = {"kind": self.kind, "width": self.width, "height": self.height}
        for key in ("format", "sha256", "fps", "duration", "frames"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

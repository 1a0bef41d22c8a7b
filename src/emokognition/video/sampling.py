"""Which frames of a video are analysed: every N-th, F per second, or all of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Slack when frame times are put on the sampling grid, so that 6/30 s lands in slot 1 at
# 5 fps and not, by rounding error, in slot 0.
_TIME_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Sampling:
    """How frames are chosen for analysis: exactly one of `every` and `fps` is set.

    Attributes:
        every: Analyse frames 0, N, 2N, ... (1: every frame).
        fps: Analyse the first frame in each 1/fps-second slot of the stream's own
            timestamps (variable frame rate safe); a video slower than `fps` is analysed whole.
    """

    every: int | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.fps is None):
            raise ValueError("set exactly one of `every` and `fps`")
        if self.every is not None and self.every < 1:
            raise ValueError(f"every must be >= 1, got {self.every}")
        if self.fps is not None and not self.fps > 0:
            raise ValueError(f"fps must be > 0, got {self.fps}")

    @classmethod
    def choose(
        cls,
        *,
        fps: float | None = None,
        every: int | None = None,
        all_frames: bool = False,
        default_fps: float = 5.0,
    ) -> Sampling:
        """The sampling a caller asked for; `default_fps` when nothing was asked.

        Raises:
            ValueError: More than one of `fps`, `every` and `all_frames`, or a bad value.
        """
        asked = sum((fps is not None, every is not None, all_frames))
        if asked > 1:
            raise ValueError("choose one of fps, every and all_frames")
        if all_frames:
            return cls(every=1)
        if every is not None:
            return cls(every=every)
        return cls(fps=fps if fps is not None else default_fps)

    def select(self, times: NDArray[np.float64]) -> NDArray[np.bool_]:
        """(N,) mask of the frames to analyse, given their (N,) times in seconds, ascending."""
        if len(times) == 0:
            return np.zeros(0, dtype=bool)
        if self.fps is None:
            every: NDArray[np.bool_] = np.arange(len(times)) % (self.every or 1) == 0
            return every
        slots = np.floor(times * self.fps + _TIME_EPSILON).astype(np.int64)
        mask = np.ones(len(times), dtype=bool)
        mask[1:] = slots[1:] != slots[:-1]
        return mask

    def to_dict(self) -> dict[str, Any]:
        """The `sampling` object of the video result contract."""
        if self.every is not None:
            return {"every": self.every}
        return {"fps": self.fps}

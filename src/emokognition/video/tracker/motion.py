"""A box that moves at constant velocity between the frames it is seen in."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Weight of the newest measured velocity against the running estimate.
_VELOCITY_GAIN = 0.5


class MovingBox:
    """The last seen box of a track and its velocity, to predict where it is next.

    The centre moves at constant velocity (pixels per second); the size follows the last
    measurement, as faces change size slowly.

    Args:
        box: (x, y, w, h) where it was first seen.
        t: When, in seconds.
    """

    def __init__(self, box: tuple[float, float, float, float], t: float) -> None:
        self.box = np.asarray(box, dtype=np.float64)
        self.t = t
        self.velocity = np.zeros(2, dtype=np.float64)
        self.hits = 1

    def predict(self, t: float) -> NDArray[np.float64]:
        """(4,) x, y, w, h expected at time `t`."""
        predicted = self.box.copy()
        predicted[:2] += self.velocity * max(t - self.t, 0.0)
        return predicted

    def update(self, box: tuple[float, float, float, float], t: float) -> None:
        """Seen again at `box` at time `t`: move there and refine the velocity."""
        new = np.asarray(box, dtype=np.float64)
        dt = t - self.t
        if dt > 0:
            measured = (_centre(new) - _centre(self.box)) / dt
            gain = _VELOCITY_GAIN if self.hits > 1 else 1.0
            self.velocity = gain * measured + (1.0 - gain) * self.velocity
        self.box = new
        self.t = t
        self.hits += 1


def _centre(box: NDArray[np.float64]) -> NDArray[np.float64]:
    return box[:2] + box[2:] / 2.0

"""The result of analysing one image: the result contract of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from emokognition.media.info import MediaInfo
from emokognition.vision.faces import Face, summarize

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which detector and classifier produced a result."""

    detector: str
    classifier: str

    def to_dict(self) -> dict[str, str]:
        return {"detector": self.detector, "classifier": self.classifier}


@dataclass(frozen=True, slots=True)
class ImageResult:
    """Every face found in one image, with its emotions.

    Attributes:
        media: What was analysed.
        model: Which models analysed it.
        faces: The faces, largest detection score first.
        pixels: The upright BGR picture they were found in, for `_repr_png_`; not part of
            the contract, None when not kept.
    """

    media: MediaInfo
    model: ModelInfo
    faces: tuple[Face, ...]
    pixels: NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    @property
    def summary(self) -> dict[str, Any]:
        """Face count and counts by main and alternative emotion."""
        return summarize(self.faces)

    def to_dict(self) -> dict[str, Any]:
        """The JSON result contract (DESIGN.md, "Result contract")."""
        return {
            "media": self.media.to_dict(),
            "model": self.model.to_dict(),
            "faces": [face.to_dict() for face in self.faces],
            "summary": self.summary,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per face (box, score, the seven probabilities, main, alternative).

        Raises:
            MissingExtra: pandas is not installed.
        """
        from emokognition.vision.tables import faces_frame

        return faces_frame(self.faces)

    def _repr_png_(self) -> bytes | None:
        """The picture with its faces drawn on it, as a notebook shows a result."""
        if self.pixels is None:
            return None
        import cv2

        from emokognition.vision.annotate import draw_faces

        ok, png = cv2.imencode(".png", draw_faces(self.pixels, self.faces))
        return png.tobytes() if ok else None

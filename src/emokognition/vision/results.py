"""The result of analysing one image: the result contract of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emokognition.media.info import MediaInfo
from emokognition.vision.faces import Face, summarize


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
    """

    media: MediaInfo
    model: ModelInfo
    faces: tuple[Face, ...]

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

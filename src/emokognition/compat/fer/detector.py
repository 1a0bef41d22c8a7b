"""`fer.FER`: faces and their emotions, under fer's names, keys and rounding."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.compat.fer.images import load_bgr
from emokognition.config import Settings, get_settings
from emokognition.emotions import EMOTIONS
from emokognition.errors import ModelError
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.faces import Detection, Face
from emokognition.vision.registry import AnalyzerRegistry

LABELS = {
    0: "angry",
    1: "disgust",
    2: "fear",
    3: "happy",
    4: "sad",
    5: "surprise",
    6: "neutral",
}
"""fer's label of each FER2013 class index (`FER._get_labels()`)."""

# Our emotion name -> fer's: the same FER2013 order, three names spelt differently.
FER_NAMES = dict(zip(EMOTIONS, LABELS.values(), strict=True))

FaceResult = dict[str, Any]
"""One face as fer gives it: {"box": [x, y, w, h], "emotions": {fer name: score}}."""


class FER:
    """fer's facial expression recognizer, backed by emokognition's detector and classifier.

    Example:
        >>> detector = FER(mtcnn=True)
        >>> detector.detect_emotions(cv2.imread("justin.jpg"))
        [{'box': [97, 106, 181, 181], 'emotions': {'angry': 0.0, ..., 'happy': 0.75, ...}}]
        >>> detector.top_emotion(cv2.imread("justin.jpg"))
        ('happy', 0.75)

    fer's arguments are all accepted and checked as fer checks them. Faces are found by
    emokognition's detector whatever `mtcnn` says (BlazeFace by default: more accurate than
    MTCNN's role in fer and than Haar); a `cascade_file` asks for fer's own Haar detection,
    with that cascade and `scale_factor`, `min_neighbors` and `min_face_size`, as fer runs it.
    The classifier is emokognition's (`EMOKOGNITION_CLASSIFIER`) on its own crop, so
    `offsets` is not used; `tfserving`, `use_tflite`, `compile` and `emotion_model` have no
    counterpart (everything runs locally on ONNX Runtime).

    Args:
        cascade_file: A Haar cascade XML file: detect with it as fer does.
        mtcnn: Accepted; emokognition's detector is used either way.
        tfserving, use_tflite: Accepted and not used.
        scale_factor, min_face_size, min_neighbors: fer's Haar parameters, used with
            `cascade_file`.
        offsets: fer's crop padding (x, y); checked, not used.
        compile, emotion_model: Older fer versions' arguments (a Keras model file): accepted
            and not used.
        detector: emokognition's detector by name ("blazeface", "haar", "dlib"); default from
            settings.
        classifier: emokognition's classifier by name; default from settings.
        settings: emokognition settings; `get_settings()` when omitted.

    Raises:
        ValueError: A parameter fer refuses (scale_factor <= 1, min_face_size < 1,
            min_neighbors < 0, offsets not a pair), or an unknown detector or classifier.
        ModelError: The cascade file cannot be loaded.
    """

    def __init__(
        self,
        cascade_file: str | None = None,
        mtcnn: bool = False,
        tfserving: bool = False,
        use_tflite: bool = True,
        scale_factor: float = 1.1,
        min_face_size: int = 50,
        min_neighbors: int = 5,
        offsets: tuple[int, int] | list[int] = (10, 10),
        *,
        compile: bool = False,  # older fer versions took these two
        emotion_model: str | None = None,
        detector: str | None = None,
        classifier: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        _check_parameters(scale_factor, min_face_size, min_neighbors, offsets)
        self.tfserving = tfserving
        self.use_tflite = use_tflite
        analyzer = _analyzer(detector, classifier, settings)
        if cascade_file is not None:
            cascade = FerCascade(cascade_file, scale_factor, min_neighbors, min_face_size)
            analyzer = Analyzer(cascade, settings=analyzer.settings, classifier=analyzer.classifier)
        self._analyzer = analyzer
        self.emotions: list[FaceResult] = []

    @property
    def settings(self) -> Settings:
        """The emokognition settings it runs with (limits, models)."""
        return self._analyzer.settings

    @staticmethod
    def _get_labels() -> dict[int, str]:
        return dict(LABELS)

    def find_faces(self, img: Any, bgr: bool = True, gray_img: Any = None) -> list[list[int]]:
        """The face boxes [x, y, w, h] of an image, most confident first (`bgr` and
        `gray_img`, fer's shortcuts, are accepted: gray arrays just work).

        Raises:
            InvalidImage: Not an image.
        """
        pixels = load_bgr(img, self._analyzer.settings)
        detections = self._analyzer.detector.detect(pixels)
        return [[round(v) for v in detection.box] for detection in detections]

    def detect_emotions(
        self, img: Any, face_rectangles: Sequence[Sequence[int]] | NDArray[Any] | None = None
    ) -> list[FaceResult]:
        """Every face with its seven emotion scores, rounded to 2 decimals as fer does.

        Args:
            img: A BGR or gray numpy array, a path, an http(s) URL or a base64 data URI.
            face_rectangles: Boxes (x, y, w, h) to classify instead of detecting faces; empty
                ones or ones outside the image are left out, as fer leaves them.

        Returns:
            [{"box": [x, y, w, h], "emotions": {"angry", "disgust", "fear", "happy", "sad",
            "surprise", "neutral"}}], the most confident detection first.

        Raises:
            InvalidImage: None, or not an image.
        """
        pixels = load_bgr(img, self._analyzer.settings)
        if face_rectangles is None:
            faces = self._analyzer.faces(pixels)
        else:
            detections = _given_boxes(face_rectangles, pixels.shape[1], pixels.shape[0])
            faces = self._analyzer.classify(pixels, detections)
        self.emotions = [fer_face(face) for face in faces]
        return self.emotions

    def batch_detect_emotions(self, imgs: list[Any]) -> list[list[FaceResult]]:
        """`detect_emotions` of each image."""
        return [self.detect_emotions(img) for img in imgs]

    def top_emotion(self, img: Any) -> tuple[str | None, float | None]:
        """The top emotion and its score of the first face, or (None, None) with no face."""
        faces = self.detect_emotions(img=img)
        if not faces:
            return (None, None)
        emotions: dict[str, float] = faces[0]["emotions"]
        top = max(emotions, key=lambda name: emotions[name])
        return top, emotions[top]


def fer_face(face: Face) -> FaceResult:
    """A face in fer's shape: its box and its scores under fer's names, 2 decimals."""
    return {
        "box": list(face.box),
        "emotions": {FER_NAMES[name]: round(float(p), 2) for name, p in face.emotions.items()},
    }


class FerCascade:
    """fer's Haar detection: one `detectMultiScale` pass with fer's parameters."""

    name = "haar"

    def __init__(
        self, cascade_file: str, scale_factor: float, min_neighbors: int, min_face_size: int
    ) -> None:
        path = Path(cascade_file)
        if not path.is_file():
            raise ModelError(f"cannot load Haar cascade {path}: no such file")
        self._cascade = cv2.CascadeClassifier()
        try:
            loaded = self._cascade.load(str(path))
        except cv2.error as exc:
            raise ModelError(f"cannot load Haar cascade {path.name}: not a cascade file") from exc
        if not loaded or self._cascade.empty():
            raise ModelError(f"cannot load Haar cascade {path.name}")
        self._scale_factor = scale_factor
        self._min_neighbors = min_neighbors
        self._min_size = (min_face_size, min_face_size)
        self._lock = threading.Lock()  # CascadeClassifier is not promised to be re-entrant

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, score 1.0 (Haar gives none)."""
        gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        with self._lock:
            found = self._cascade.detectMultiScale(
                gray,
                scaleFactor=self._scale_factor,
                minNeighbors=self._min_neighbors,
                flags=cv2.CASCADE_SCALE_IMAGE,
                minSize=self._min_size,
            )
        return [
            Detection(box=(float(x), float(y), float(w), float(h)), score=1.0)
            for x, y, w, h in found
        ]


def _check_parameters(
    scale_factor: float, min_face_size: int, min_neighbors: int, offsets: object
) -> None:
    if scale_factor <= 1.0:
        raise ValueError("scale_factor must be greater than 1.0")
    if min_face_size < 1:
        raise ValueError("min_face_size must be at least 1")
    if min_neighbors < 0:
        raise ValueError("min_neighbors must be non-negative")
    if not isinstance(offsets, tuple | list) or len(offsets) != 2:
        raise ValueError("offsets must be a tuple or list of length 2")


def _given_boxes(
    rectangles: Sequence[Sequence[int]] | NDArray[Any], width: int, height: int
) -> list[Detection]:
    """The caller's (x, y, w, h) boxes that hold some of the image, as detections."""
    detections = []
    for rectangle in rectangles:
        x, y, w, h = (float(v) for v in rectangle)
        if w > 0 and h > 0 and x < width and y < height and x + w > 0 and y + h > 0:
            detections.append(Detection(box=(x, y, w, h), score=1.0))
    return detections


_registry: AnalyzerRegistry | None = None
_registry_lock = threading.Lock()


def _analyzer(detector: str | None, classifier: str | None, settings: Settings | None) -> Analyzer:
    """A shared analyzer (models load once per process, as fer caches its model), or a new one
    for the caller's own settings."""
    global _registry
    if settings is not None:
        return AnalyzerRegistry(settings).get(detector, classifier=classifier)
    with _registry_lock:
        if _registry is None:
            _registry = AnalyzerRegistry(get_settings())
    return _registry.get(detector, classifier=classifier)

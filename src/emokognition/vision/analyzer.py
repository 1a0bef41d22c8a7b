"""Detect faces, crop them, classify their emotions: the whole recognition core."""

from __future__ import annotations

import logging
import time

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.config import Settings, get_settings
from emokognition.media.load import ImageSource, held_image
from emokognition.vision.classifier import EmotionClassifier, create_classifier
from emokognition.vision.crops import face_crops
from emokognition.vision.detectors import FaceDetector, create_detector
from emokognition.vision.faces import Detection, Face
from emokognition.vision.results import ImageResult, ModelInfo

logger = logging.getLogger(__name__)


class Analyzer:
    """Loads the models once; `analyze` may be called from many threads at once.

    Example:
        >>> analyzer = Analyzer()
        >>> result = analyzer.analyze("photo.jpg")
        >>> [(face.main, face.alternative) for face in result.faces]
        [('happy', 'surprised')]

    Args:
        detector: A detector name ("blazeface", "haar", "dlib") or instance; default from
            settings.
        settings: Limits and defaults; `get_settings()` when omitted.
        classifier: A shared classifier instance, or None to load the one settings name.
    """

    # Margin around the detector's box for the classifier crop, as a fraction of its side:
    # FER2013 crops show the whole head, detectors box brows to chin.
    crop_margin = 0.1
    # Turn each crop so the eyes are level, where the detector gives eye keypoints. On FER2013
    # faces turned within +-25 degrees (`eval pipeline`, PublicTest): mini-Xception 63.7 ->
    # 66.3 % right, upright unchanged (66.6 %); emonet32, trained with turns, loses 0.7 points
    # to the turns plain and 0.4 aligned (70.5 vs 70.2 % turned, 71.2 vs 70.6 % upright, within
    # the noise), while its plain crop of the bundled portrait reads angry, the aligned neutral.
    align_crops = True

    def __init__(
        self,
        detector: str | FaceDetector | None = None,
        *,
        settings: Settings | None = None,
        classifier: EmotionClassifier | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        chosen = detector or self.settings.detector
        # The name it was built from, so that a worker process can build its twin; None for a
        # detector instance given by the caller.
        self.detector_name = chosen if isinstance(chosen, str) else None
        self.detector = (
            create_detector(
                chosen,
                threads=self.settings.threads,
                tiles=self.settings.tiles,
                size=self.settings.detect_size,
                min_face=self.settings.min_face,
                pyramid=self.settings.pyramid,
            )
            if isinstance(chosen, str)
            else chosen
        )
        self.classifier = classifier or create_classifier(
            self.settings.classifier, threads=self.settings.threads, flip=self.settings.mirror
        )
        self.model = ModelInfo(detector=self.detector.name, classifier=self.classifier.name)

    def analyze(self, source: ImageSource) -> ImageResult:
        """Every face in an image with its emotions.

        Args:
            source: A path, http(s) URL, encoded bytes, or a BGR uint8 array.

        Raises:
            MediaError: Unreadable, unsupported, corrupt or oversized media.
            SourceError: A URL that is refused or fails to download.
        """
        started = time.perf_counter()
        with held_image(source, self.settings) as image:
            faces = self.faces(image.pixels)
        logger.info(
            "analysed %s image %dx%d: %d faces in %.0f ms",
            image.info.format,
            image.info.width,
            image.info.height,
            len(faces),
            (time.perf_counter() - started) * 1000,
        )
        return ImageResult(
            media=image.info, model=self.model, faces=tuple(faces), pixels=image.pixels
        )

    def crops(self, image_bgr: NDArray[np.uint8], detections: list[Detection]) -> NDArray[np.uint8]:
        """The classifier's (N, H, W) gray crops of detected faces: square, with a margin, and
        turned so the eyes are level where the detector gives eye keypoints (BlazeFace)."""
        gray = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        keypoints = [d.keypoints for d in detections] if self.align_crops else None
        boxes = [d.box for d in detections]
        return face_crops(gray, boxes, margin=self.crop_margin, keypoints=keypoints)

    def faces(self, image_bgr: NDArray[np.uint8]) -> list[Face]:
        """Detect and classify the faces of a (H, W, 3) uint8 BGR image."""
        return self.classify(image_bgr, self.detector.detect(image_bgr))

    def classify(self, image_bgr: NDArray[np.uint8], detections: list[Detection]) -> list[Face]:
        """Classify already detected faces of a (H, W, 3) uint8 BGR image."""
        if not detections:
            return []
        probabilities = self.classifier.predict(self.crops(image_bgr, detections))
        faces = [
            Face.from_probabilities(detection, probs)
            for detection, probs in zip(detections, probabilities, strict=True)
        ]
        return sorted(faces, key=lambda face: -face.score)

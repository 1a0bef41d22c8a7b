"""Face detectors, the emotion classifier, and the analyzer that joins them."""

from emokognition.emotions import EMOTIONS
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import EmotionClassifier, create_classifier
from emokognition.vision.detectors import FaceDetector, create_detector
from emokognition.vision.faces import Detection, Face
from emokognition.vision.results import ImageResult, ModelInfo

__all__ = [
    "EMOTIONS",
    "Analyzer",
    "Detection",
    "EmotionClassifier",
    "Face",
    "FaceDetector",
    "ImageResult",
    "ModelInfo",
    "create_classifier",
    "create_detector",
]

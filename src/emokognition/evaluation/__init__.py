"""Measure the models: classifier accuracy on FER2013, detector recall on labelled photos."""

from emokognition.evaluation.detection import DetectionReport, evaluate_detector
from emokognition.evaluation.fer2013 import ClassifierReport, evaluate_classifier, load_fer2013

__all__ = [
    "ClassifierReport",
    "DetectionReport",
    "evaluate_classifier",
    "evaluate_detector",
    "load_fer2013",
]

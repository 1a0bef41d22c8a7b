"""Measure the models: classifier accuracy on FER2013, detector recall on labelled photos, and
the whole pipeline on FER2013 faces pasted into a photo."""

from emokognition.evaluation.detection import DetectionReport, evaluate_detector
from emokognition.evaluation.fer2013 import (
    ClassifierReport,
    FerPlus,
    evaluate_classifier,
    format_classifier_report,
    load_fer2013,
    load_ferplus,
)

__all__ = [
    "ClassifierReport",
    "DetectionReport",
    "FerPlus",
    "evaluate_classifier",
    "evaluate_detector",
    "format_classifier_report",
    "load_fer2013",
    "load_ferplus",
]

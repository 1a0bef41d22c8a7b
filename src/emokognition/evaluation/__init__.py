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
from emokognition.evaluation.pipeline import (
    PipelineCell,
    PipelineReport,
    evaluate_pipeline,
    format_pipeline_report,
)

__all__ = [
    "ClassifierReport",
    "DetectionReport",
    "FerPlus",
    "PipelineCell",
    "PipelineReport",
    "evaluate_classifier",
    "evaluate_detector",
    "evaluate_pipeline",
    "format_classifier_report",
    "format_pipeline_report",
    "load_fer2013",
    "load_ferplus",
]

"""`emokognition eval fer2013 | faces`: the models measured on labelled data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from emokognition.cli.options import photo_settings
from emokognition.config import get_settings


def run_fer2013(args: argparse.Namespace) -> int:
    """The classifier's accuracy, calibration, agreement with FER+ and confusion on a
    FER2013 .npz."""
    from emokognition.evaluation import (
        evaluate_classifier,
        format_classifier_report,
        load_fer2013,
        load_ferplus,
    )
    from emokognition.vision.classifier import create_classifier

    images, labels = load_fer2013(args.path)
    ferplus = load_ferplus(args.path)
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
        ferplus = ferplus[: args.limit] if ferplus else None
    settings = get_settings()
    mirror = settings.mirror if args.mirror is None else args.mirror
    classifier = create_classifier(args.classifier or settings.classifier, flip=mirror)
    report = evaluate_classifier(classifier, images, labels, ferplus=ferplus)
    return _write(args.format, report.to_dict(), format_classifier_report(report))


def run_pipeline(args: argparse.Namespace) -> int:
    """The whole Analyzer on FER2013 faces pasted into a photo: faces found and accuracy,
    upright and turned, with and without aligned crops."""
    from emokognition.evaluation import evaluate_pipeline, format_pipeline_report, load_fer2013
    from emokognition.vision.analyzer import Analyzer

    images, labels = load_fer2013(args.path)
    analyzer = Analyzer(settings=photo_settings(args))
    report = evaluate_pipeline(
        analyzer,
        images,
        labels,
        args.background,
        limit=args.limit or 0,
        max_angle=args.max_angle,
        seed=args.seed,
    )
    return _write(args.format, report.to_dict(), format_pipeline_report(report))


def _write(fmt: str, data: dict[str, Any], lines: list[str]) -> int:
    """A report as JSON or as its text lines, on stdout."""
    text = json.dumps(data, indent=2) if fmt == "json" else "\n".join(lines)
    sys.stdout.write(text + "\n")
    return 0


def run_faces(args: argparse.Namespace) -> int:
    """The detector's precision and recall on DIR/faces.json."""
    from emokognition.evaluation import evaluate_detector
    from emokognition.vision.detectors import create_detector

    settings = photo_settings(args)
    detector = create_detector(
        args.detector or settings.detector,
        threads=settings.threads,
        tiles=settings.tiles,
        size=settings.detect_size,
    )
    report = evaluate_detector(detector, args.path, settings, iou=args.iou)
    if args.format == "json":
        sys.stdout.write(
            json.dumps({"detector": detector.name, **report.to_dict()}, indent=2) + "\n"
        )
        return 0
    console = Console(highlight=False)
    table = Table(title=f"{detector.name} at IoU >= {args.iou}", title_justify="left")
    for column in ("file", "labelled", "found", "matched"):
        table.add_column(column)
    for f in report.files:
        table.add_row(f.file, str(f.truth), str(f.found), str(f.matched))
    console.print(table)
    console.print(
        f"precision {report.precision:.3f}, recall {report.recall:.3f}, "
        f"faces on no-face photos {report.faces_on_empty}"
    )
    return 0

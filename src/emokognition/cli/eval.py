"""`emokognition eval fer2013 | faces`: the models measured on labelled data."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from emokognition.cli.options import photo_settings
from emokognition.config import get_settings
from emokognition.emotions import EMOTIONS


def run_fer2013(args: argparse.Namespace) -> int:
    """The classifier's accuracy and confusion on a FER2013 .npz."""
    from emokognition.evaluation import evaluate_classifier, load_fer2013
    from emokognition.vision.classifier import EmotionClassifier

    images, labels = load_fer2013(args.path)
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    mirror = get_settings().mirror if args.mirror is None else args.mirror
    report = evaluate_classifier(EmotionClassifier(flip=mirror), images, labels)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        return 0
    console = Console(highlight=False)
    console.print(
        f"{report.samples} crops{' (mirror-averaged)' if mirror else ''}: "
        f"top-1 {report.top1:.2%}, top-2 {report.top2:.2%}"
    )
    table = Table(title="confusion (rows: truth, columns: predicted)", title_justify="left")
    table.add_column("truth")
    for name in EMOTIONS:
        table.add_column(name[:5], justify="right")
    table.add_column("recall", justify="right")
    for i, name in enumerate(EMOTIONS):
        cells = [str(int(v)) for v in report.confusion[i]]
        table.add_row(name, *cells, f"{report.recall[name]:.1%}")
    console.print(table)
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

"""`emokognition eval fer2013 | faces`: the models measured on labelled data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from emokognition.cli.options import photo_settings
from emokognition.config import get_settings

if TYPE_CHECKING:
    from emokognition.evaluation.detection import DetectionReport


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
    """Each detector's precision, recall by face size and speed on DIR/faces.json (and on
    crowd pictures made from those photos): one detector's per-picture tables, or a
    comparison table of several."""
    from emokognition.evaluation.crowd import crowd_set
    from emokognition.evaluation.detection import evaluate_images, load_labelled
    from emokognition.vision.detectors import create_detector

    settings = photo_settings(args)
    min_face = settings.min_face if args.min_face is None else args.min_face
    photos = load_labelled(args.path, settings)
    sets = {"photos": photos, **({"crowd": crowd_set(photos)} if args.crowd else {})}
    results: list[tuple[str, dict[str, DetectionReport]]] = []
    for name in dict.fromkeys(args.detector or [settings.detector]):
        detector = create_detector(
            name,
            threads=settings.threads,
            tiles=settings.tiles,
            size=settings.detect_size,
            min_face=min_face,
            pyramid=settings.pyramid,
        )
        reports = {
            label: evaluate_images(detector, images, iou=args.iou) for label, images in sets.items()
        }
        results.append((detector.name, reports))
    if args.format == "json":
        entries = [
            {
                "detector": name,
                **reports["photos"].to_dict(),
                **({"crowd": reports["crowd"].to_dict()} if "crowd" in reports else {}),
            }
            for name, reports in results
        ]
        data = entries[0] if len(entries) == 1 else {"detectors": entries}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    # A comparison table is wider than the 80 columns rich assumes off a terminal.
    console = Console(highlight=False, width=max(Console().width, 112))
    if len(results) == 1:
        name, reports = results[0]
        for label, report in reports.items():
            _print_files(console, f"{name} on the {label} at IoU >= {args.iou}", report)
    else:
        _print_comparison(console, results, args.iou)
    return 0


def _print_files(console: Console, title: str, report: DetectionReport) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("file", "labelled", "found", "matched", "ms"):
        table.add_column(column)
    for f in report.files:
        table.add_row(f.file, str(f.truth), str(f.found), str(f.matched), f"{f.seconds * 1e3:.0f}")
    console.print(table)
    sizes = ", ".join(
        f"{s.name} {s.matched}/{s.truth}" + ("" if s.recall is None else f" ({s.recall:.3f})")
        for s in report.sizes
    )
    console.print(
        f"precision {report.precision:.3f}, recall {report.recall:.3f} ({sizes}), "
        f"faces on no-face photos {report.faces_on_empty}, "
        f"{report.faces_per_second:,.0f} faces/s"
    )


def _print_comparison(
    console: Console, results: list[tuple[str, dict[str, DetectionReport]]], iou: float
) -> None:
    table = Table(title=f"detectors at IoU >= {iou}", title_justify="left")
    columns = ("detector", "set", "recall", "<32 px", "32-96", ">=96", "precision")
    for column in (*columns, "no-face", "ms/pic", "faces/s"):
        table.add_column(column, justify="left" if column in ("detector", "set") else "right")
    for name, reports in results:
        for label, report in reports.items():
            table.add_row(
                name,
                label,
                f"{report.recall:.3f}",
                *("-" if s.recall is None else f"{s.recall:.3f}" for s in report.sizes),
                f"{report.precision:.3f}",
                str(report.faces_on_empty),
                f"{report.seconds * 1e3 / max(len(report.files), 1):.0f}",
                f"{report.faces_per_second:,.0f}",
            )
    console.print(table)
    for label, report in results[0][1].items():
        counts = ", ".join(f"{s.name} {s.truth}" for s in report.sizes)
        console.print(f"{label}: {len(report.files)} pictures, faces by size: {counts}")

"""`emokognition analyze`: photos and videos, files, folders and URLs."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emokognition.cli.options import photo_settings
from emokognition.cli.progress import frame_progress, over_inputs
from emokognition.cli.render import Outcome, render
from emokognition.config import Settings
from emokognition.errors import EmokognitionError
from emokognition.media.load import is_url

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
_VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"}


def run(args: argparse.Namespace) -> int:
    """Analyse every input, print the results, list the failures; 1 when any failed."""
    from emokognition.vision.analyzer import Analyzer
    from emokognition.vision.annotate import annotate_image

    inputs = _expand(args.inputs)
    if not inputs:
        raise EmokognitionError("no image or video files found in the given folders")
    many = len(inputs) > 1
    if args.annotate and many:
        args.annotate.mkdir(parents=True, exist_ok=True)
    analyzer = Analyzer(args.detector, settings=photo_settings(args))
    outcomes: list[Outcome] = []
    for item in over_inputs(inputs, show=many and not args.quiet):
        try:
            source, video = _open(item, analyzer.settings)
            if video:
                outcomes.append(Outcome(item, _analyze_video(item, source, args), None))
                continue
            result = analyzer.analyze(source)
        except EmokognitionError as exc:
            outcomes.append(Outcome(item, None, exc.message))
            continue
        if args.annotate:
            target = args.annotate / f"{Path(item).stem}.jpg" if many else args.annotate
            annotate_image(source, result, target, settings=analyzer.settings)
        outcomes.append(Outcome(item, result.to_dict(), None))
    sys.stdout.write(render(outcomes, args.format, many))
    failed = [o for o in outcomes if o.error]
    if failed:
        from rich.console import Console

        err = Console(stderr=True, highlight=False)
        err.print(f"[red]{len(failed)} of {len(outcomes)} failed:[/red]")
        for outcome in failed:
            err.print(f"  {outcome.input}: {outcome.error}", markup=False)
        return 1
    return 0


def _expand(inputs: Sequence[str]) -> list[str]:
    """Folders become the image files inside them (recursively, sorted)."""
    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if not is_url(item) and path.is_dir():
            out += sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES | _VIDEO_SUFFIXES
            )
        else:
            out.append(item)
    return out


def _open(item: str, settings: Settings) -> tuple[str | bytes, bool]:
    """The source to analyse for an input (a URL is downloaded, once) and whether a video."""
    from emokognition.media.load import read_bytes
    from emokognition.media.sniff import VIDEO_FORMATS, sniff_format

    source: str | bytes = item
    if is_url(item):
        source = read_bytes(item, settings)
        head = source[:64]
    else:
        try:
            with Path(item).open("rb") as file:
                head = file.read(64)
        except OSError:
            return source, False  # the image path reports the error
    fmt = sniff_format(head)
    return source, fmt in VIDEO_FORMATS or (fmt == "gif" and _animated(source))


def _animated(source: str | bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            return bool(getattr(image, "is_animated", False))
    except (OSError, ValueError):
        return False


def _analyze_video(item: str, source: str | bytes, args: argparse.Namespace) -> Any:
    from emokognition.video import analyze_video

    with frame_progress(show=not args.quiet and len(args.inputs) == 1) as progress:
        result = analyze_video(
            source,
            fps=args.fps,
            every=args.every,
            all_frames=args.all_frames,
            detector=args.detector,
            workers=args.workers,
            backend=args.backend,
            smoothing=args.smoothing,
            progress=progress("analysing"),
        )
        if args.annotate:
            from emokognition.video.annotate import write_annotated

            many = len(args.inputs) > 1 or args.annotate.is_dir()
            target = args.annotate / f"{Path(item).stem}.mp4" if many else args.annotate
            write_annotated(source, result, target, progress=progress("annotating"))
    if args.plot:
        from emokognition.video.plot import plot_timelines

        many = len(args.inputs) > 1 or args.plot.is_dir()
        plot_timelines(result, args.plot / f"{Path(item).stem}.png" if many else args.plot)
    return result.to_dict()

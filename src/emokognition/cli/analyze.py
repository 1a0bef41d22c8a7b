"""`emokognition analyze`: photos and videos, files, folders and URLs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emokognition.cli.options import UsageError, photo_settings
from emokognition.cli.progress import frame_progress, over_inputs
from emokognition.cli.render import Outcome, check_parquet, render, render_parquet
from emokognition.config import Settings
from emokognition.errors import EmokognitionError, MediaError
from emokognition.extras import require
from emokognition.media.load import OpenedMedia, is_url, open_media
from emokognition.media.targets import check_folder, check_target

if TYPE_CHECKING:
    from emokognition.vision.analyzer import Analyzer

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
_VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"}

Opened = OpenedMedia | EmokognitionError | None
"""An input's media, why it cannot be opened, or None while not opened yet (a URL)."""


def run(args: argparse.Namespace) -> int:
    """Analyse every input, print the results, list the failures; 1 when any failed.

    Every input that can be looked at without a download is identified first, and the
    outputs checked against what the inputs are, so a bad command line stops before any work.
    """
    from emokognition.vision.analyzer import Analyzer

    if args.format == "parquet":
        check_parquet()
    if args.plot:
        require("--plot", "plot")
    if args.backend == "ray":
        require("the ray backend", "ray")
    inputs = _expand(args.inputs)
    if not inputs:
        raise EmokognitionError("no image or video files found in the given folders")
    many = len(inputs) > 1
    settings = photo_settings(args)
    # Many URLs are downloaded one at a time, as they are analysed; a single one here.
    opened = [None if many and is_url(name) else _open(name, settings) for name in inputs]
    _check_outputs(args, inputs, opened, many)
    analyzer = Analyzer(args.detector, settings=settings)
    outcomes: list[Outcome] = []
    for name, media in over_inputs(
        list(zip(inputs, opened, strict=True)), show=many and not args.quiet
    ):
        outcomes.append(_analyze(name, media or _open(name, settings), analyzer, args, many))
    if args.format == "parquet":
        sys.stdout.flush()
        sys.stdout.buffer.write(render_parquet(outcomes))
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(render(outcomes, args.format, many))
    failed = [o for o in outcomes if o.error]
    if failed:
        from rich.console import Console

        err = Console(stderr=True, highlight=False)
        err.print(f"[red]{len(failed)} of {len(outcomes)} failed:[/red]")
        for outcome in failed:
            err.print(f"  {outcome.input}: {outcome.error}", markup=False, soft_wrap=True)
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


def _open(name: str, settings: Settings) -> OpenedMedia | EmokognitionError:
    try:
        return open_media(name, settings)
    except EmokognitionError as exc:
        return exc  # reported with the other inputs' results


def _check_outputs(
    args: argparse.Namespace, inputs: list[str], opened: list[Opened], many: bool
) -> None:
    """Refuse `--annotate` and `--plot` targets that the inputs cannot be written to.

    Raises:
        UsageError: A target of the wrong type or in a missing folder, or `--plot` without
            a video to plot.
    """
    kinds = {media.kind if isinstance(media, OpenedMedia) else None for media in opened}
    if args.plot and kinds == {"image"}:
        subject = f"{inputs[0]} is a photo" if not many else "none of the inputs is a video"
        raise UsageError(f"--plot draws a video's emotions over time; {subject}")
    for option, target, what in (
        ("--annotate", args.annotate, None),
        ("--plot", args.plot, "plot"),
    ):
        if target is None:
            continue
        try:
            if many:
                check_folder(target)
                target.mkdir(parents=True, exist_ok=True)
            elif not target.is_dir() and isinstance(opened[0], OpenedMedia):
                check_target(target, what or opened[0].kind)
        except (MediaError, OSError) as exc:
            message = exc.message if isinstance(exc, MediaError) else str(exc)
            raise UsageError(f"{option} {target}: {message}") from exc


def _output(target: Path, name: str, suffix: str, many: bool) -> Path:
    """`target` itself, or a file named after the input in it for many inputs or a folder."""
    return target / f"{Path(name).stem}{suffix}" if many or target.is_dir() else target


def _analyze(
    name: str,
    media: OpenedMedia | EmokognitionError,
    analyzer: Analyzer,
    args: argparse.Namespace,
    many: bool,
) -> Outcome:
    from emokognition.vision.annotate import annotate_image

    try:
        if isinstance(media, EmokognitionError):
            raise media
        if media.kind == "video":
            video = _analyze_video(name, media.source, args, many, analyzer.settings)
            return Outcome(name, video, None)
        result = analyzer.analyze(media.source)
        if args.annotate:
            target = _output(args.annotate, name, ".jpg", many)
            annotate_image(media.source, result, target, settings=analyzer.settings)
    except EmokognitionError as exc:
        return Outcome(name, None, exc.message)
    return Outcome(name, result.to_dict(), None)


def _analyze_video(
    name: str, source: str | bytes, args: argparse.Namespace, many: bool, settings: Settings
) -> Any:
    from emokognition.video import VideoOptions, analyze_video
    from emokognition.video.timeline import DEFAULT_SMOOTHING

    options = VideoOptions(
        fps=args.fps,
        every=args.every,
        all_frames=args.all_frames,
        workers=args.workers,
        backend=args.backend,
        smoothing=DEFAULT_SMOOTHING if args.smoothing is None else args.smoothing,
    )
    with frame_progress(show=not args.quiet and len(args.inputs) == 1) as progress:
        result = analyze_video(
            source,
            options,
            detector=args.detector,
            settings=settings,
            progress=progress("analysing"),
        )
        if args.annotate:
            from emokognition.video.annotate import write_annotated

            target = _output(args.annotate, name, ".mp4", many)
            write_annotated(source, result, target, progress=progress("annotating"))
    if args.plot:
        from emokognition.video.plot import plot_timelines

        plot_timelines(result, _output(args.plot, name, ".png", many))
    return result.to_dict()

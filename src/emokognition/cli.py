"""The `emokognition` command: analyze | eval | serve | worker | db | daemon (`make bench`)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from emokognition import __version__
from emokognition.config import DETECTORS, Settings, get_settings
from emokognition.errors import ConfigError, EmokognitionError
from emokognition.media.load import is_url
from emokognition.vision.faces import EMOTIONS

logger = logging.getLogger("emokognition")

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
_VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"}
FORMATS = ("table", "json", "jsonl", "csv")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.run(args)
    except EmokognitionError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc.message}", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


_TILES_HELP = "BlazeFace tiles per side on photos, for small faces (default: EMOKOGNITION_TILES)"
_SIZE_HELP = (
    "BlazeFace input for the whole picture, longer side in pixels: 320 finds smaller faces "
    "(default: EMOKOGNITION_DETECT_SIZE, the trained 192)"
)


def _photo_settings(args: argparse.Namespace) -> Settings:
    """The settings with the command line's `--tiles` and `--detect-size`, when given."""
    update = {
        name: value
        for name, value in (("tiles", args.tiles), ("detect_size", args.detect_size))
        if value is not None
    }
    if any(value < 0 for value in update.values()):
        raise EmokognitionError("--tiles and --detect-size must not be negative")
    return get_settings().model_copy(update=update)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emokognition", description=__doc__)
    parser.add_argument("--version", action="version", version=f"emokognition {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    analyze = commands.add_parser("analyze", help="faces and emotions in photos and videos")
    analyze.add_argument("inputs", nargs="+", help="image or video files, folders, http(s) URLs")
    analyze.add_argument("-f", "--format", choices=FORMATS, default="table")
    analyze.add_argument("-d", "--detector", choices=DETECTORS, default=None)
    analyze.add_argument("--tiles", type=int, default=None, help=_TILES_HELP)
    analyze.add_argument("--detect-size", type=int, default=None, help=_SIZE_HELP)
    analyze.add_argument(
        "--annotate",
        type=Path,
        help="write the picture or video (.mp4) with boxes and labels (a folder for many)",
    )
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _video_arguments(analyze)
    analyze.set_defaults(run=_run_analyze)

    evaluate = commands.add_parser("eval", help="measure the models on labelled data")
    targets = evaluate.add_subparsers(required=True, metavar="DATASET")
    fer = targets.add_parser("fer2013", help="classifier accuracy on a FER2013 .npz")
    fer.add_argument("path", type=Path)
    fer.add_argument("--limit", type=int, default=None, help="first N rows only")
    fer.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="average with the mirror image (default: EMOKOGNITION_MIRROR, on)",
    )
    fer.add_argument("-f", "--format", choices=("table", "json"), default="table")
    fer.set_defaults(run=_run_eval_fer)
    faces = targets.add_parser("faces", help="detector precision/recall on DIR/faces.json")
    faces.add_argument("path", type=Path)
    faces.add_argument("-d", "--detector", choices=DETECTORS, default=None)
    faces.add_argument("--tiles", type=int, default=None, help=_TILES_HELP)
    faces.add_argument("--detect-size", type=int, default=None, help=_SIZE_HELP)
    faces.add_argument("--iou", type=float, default=0.4)
    faces.add_argument("-f", "--format", choices=("table", "json"), default="table")
    faces.set_defaults(run=_run_eval_faces)
    _service_commands(commands)
    return parser


# --- analyze ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    input: str
    result: dict[str, Any] | None
    error: str | None


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


def _run_analyze(args: argparse.Namespace) -> int:
    from emokognition.vision.analyzer import Analyzer
    from emokognition.vision.annotate import annotate_image

    inputs = _expand(args.inputs)
    if not inputs:
        raise EmokognitionError("no image or video files found in the given folders")
    many = len(inputs) > 1
    if args.annotate and many:
        args.annotate.mkdir(parents=True, exist_ok=True)
    analyzer = Analyzer(args.detector, settings=_photo_settings(args))
    outcomes: list[_Outcome] = []
    for item in _progress(inputs, show=many and not args.quiet):
        try:
            source = _video_source(item, analyzer.settings)
            if source is not None:
                outcomes.append(_Outcome(item, _analyze_video(item, source, args), None))
                continue
            result = analyzer.analyze(item)
        except EmokognitionError as exc:
            outcomes.append(_Outcome(item, None, exc.message))
            continue
        if args.annotate:
            target = args.annotate / f"{Path(item).stem}.jpg" if many else args.annotate
            annotate_image(item, result, target, settings=analyzer.settings)
        outcomes.append(_Outcome(item, result.to_dict(), None))
    sys.stdout.write(_render(outcomes, args.format, many))
    failed = [o for o in outcomes if o.error]
    if failed:
        err = Console(stderr=True, highlight=False)
        err.print(f"[red]{len(failed)} of {len(outcomes)} failed:[/red]")
        for outcome in failed:
            err.print(f"  {outcome.input}: {outcome.error}", markup=False)
        return 1
    return 0


def _progress(items: list[str], *, show: bool) -> Iterator[str]:
    if not show or not sys.stderr.isatty():
        yield from items
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analysing", total=len(items))
        for item in items:
            yield item
            progress.advance(task)


def _render(outcomes: list[_Outcome], fmt: str, many: bool) -> str:
    done = [o for o in outcomes if o.result is not None]
    if fmt == "json":
        if not many:
            return json.dumps(done[0].result if done else None, indent=2) + "\n"
        return json.dumps([{"input": o.input, "result": o.result} for o in done], indent=2) + "\n"
    if fmt == "jsonl":
        lines = [
            json.dumps(
                {"input": o.input, "result": o.result}
                if o.result is not None
                else {"input": o.input, "error": o.error}
            )
            for o in outcomes
        ]
        return "".join(line + "\n" for line in lines)
    if fmt == "csv":
        return _csv(done)
    return _table(done)


def _csv(outcomes: list[_Outcome]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if any(o.result is not None and "frames" in o.result for o in outcomes):
        return _video_csv(outcomes)
    writer.writerow(
        ["input", "face", "x", "y", "w", "h", "score", *EMOTIONS, "main", "alternative"]
    )
    for outcome in outcomes:
        assert outcome.result is not None
        for i, face in enumerate(outcome.result["faces"]):
            probs = [f"{face['emotions'][name]:.6f}" for name in EMOTIONS]
            writer.writerow(
                [
                    outcome.input,
                    i,
                    *face["box"],
                    face["score"],
                    *probs,
                    face["main"],
                    face["alternative"],
                ]
            )
    return buffer.getvalue()


def _table(outcomes: list[_Outcome]) -> str:
    console = Console(file=io.StringIO(), width=_width(), highlight=False)
    for outcome in outcomes:
        assert outcome.result is not None
        if "tracks" in outcome.result:
            _video_table(console, outcome.input, outcome.result)
            continue
        media = outcome.result["media"]
        faces = outcome.result["faces"]
        # A heading line rather than a table title: rich would wrap a long path mid-phrase.
        count = f"{len(faces)} face{'' if len(faces) == 1 else 's'}"
        heading = f"{outcome.input} ({media['width']}x{media['height']}, {count})"
        console.print(heading, soft_wrap=True, markup=False)
        table = Table()
        for column in ("face", "box (x, y, w, h)", "score", "main", "alternative"):
            table.add_column(column)
        for i, face in enumerate(faces, start=1):
            main, alt = face["main"], face["alternative"]
            table.add_row(
                str(i),
                ", ".join(str(v) for v in face["box"]),
                f"{face['score']:.2f}",
                f"{main} {face['emotions'][main]:.0%}",
                f"{alt} {face['emotions'][alt]:.0%}",
            )
        console.print(table)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _width() -> int:
    try:
        return max(os.get_terminal_size().columns, 80)
    except OSError:
        return 100


# --- analyze: videos ------------------------------------------------------------------------


def _video_arguments(analyze: argparse.ArgumentParser) -> None:
    sampling = analyze.add_mutually_exclusive_group()
    sampling.add_argument("--fps", type=float, help="video: analysed frames per second (5)")
    sampling.add_argument("--every", type=int, metavar="N", help="video: every N-th frame")
    sampling.add_argument("--all-frames", action="store_true", help="video: every frame")
    analyze.add_argument("--plot", type=Path, help="video: emotions over time per track (.png)")
    analyze.add_argument("--workers", type=int, default=1, help="video: worker processes")
    analyze.add_argument(
        "--backend",
        choices=("process", "ray"),
        default="process",
        help="video: where workers run (ray: EMOKOGNITION_RAY_ADDRESS, or a local Ray)",
    )
    analyze.add_argument(
        "--smoothing", type=float, default=0.0, help="video: weight of a track's past, 0..1"
    )


def _video_source(item: str, settings: Settings) -> str | bytes | None:
    """The video to analyse for an input (downloaded when a URL), or None for an image."""
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
            return None  # the image path reports the error
    fmt = sniff_format(head)
    if fmt in VIDEO_FORMATS or (fmt == "gif" and _animated(source)):
        return source
    return None


def _animated(source: str | bytes) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            return bool(getattr(image, "is_animated", False))
    except (OSError, ValueError):
        return False


def _analyze_video(item: str, source: str | bytes, args: argparse.Namespace) -> Any:
    from emokognition.video import analyze_video

    with _frame_progress(show=not args.quiet and len(args.inputs) == 1) as progress:
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


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} frames/s" if speed else "")


@contextmanager
def _frame_progress(*, show: bool) -> Iterator[Callable[[str], Callable[[int, int], None] | None]]:
    """A factory of progress callbacks, one task each, drawn on a terminal's stderr."""
    if not show or not sys.stderr.isatty():
        yield lambda name: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:

        def factory(name: str) -> Callable[[int, int], None]:
            task = bar.add_task(name, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        yield factory


def _video_csv(outcomes: list[_Outcome]) -> str:
    from emokognition.video.report import CSV_HEADER, csv_rows, image_csv_rows

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for outcome in outcomes:
        if outcome.result is None:
            continue
        rows = csv_rows if "frames" in outcome.result else image_csv_rows
        writer.writerows(rows(outcome.input, outcome.result))
    return buffer.getvalue()


def _video_table(console: Console, name: str, result: dict[str, Any]) -> None:
    from emokognition.video.report import print_tracks

    print_tracks(console, name, result)


# --- eval ------------------------------------------------------------------------------------


def _run_eval_fer(args: argparse.Namespace) -> int:
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


def _run_eval_faces(args: argparse.Namespace) -> int:
    from emokognition.evaluation import evaluate_detector
    from emokognition.vision.detectors import create_detector

    settings = _photo_settings(args)
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


# --- serve, worker, db (the service) ---------------------------------------------------------


def _service_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the web service (JSON API, pages, jobs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-format", choices=("text", "json"), default="text")
    serve.set_defaults(run=_run_serve)
    worker = commands.add_parser("worker", help="run a Celery worker (EMOKOGNITION_JOBS=celery)")
    worker.add_argument("-c", "--concurrency", type=int, default=os.cpu_count() or 1)
    worker.add_argument("--log-format", choices=("text", "json"), default="text")
    worker.set_defaults(run=_run_worker)
    db = commands.add_parser("db", help="database migrations (applied at start anyway)")
    actions = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="migrate to the newest (or a given) revision")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_run_db_upgrade)
    downgrade = actions.add_parser("downgrade", help="migrate down ('base' drops every table)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(run=_run_db_downgrade)
    current = actions.add_parser("current", help="the database's revision and the newest")
    current.set_defaults(run=_run_db_current)
    _daemon_command(commands)


def _service_logging(log_format: str, verbose: bool) -> None:
    from emokognition.web.logformat import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from emokognition.web import create_app

    _service_logging(args.log_format, args.verbose)
    app = create_app(get_settings())
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def _run_worker(args: argparse.Namespace) -> int:
    from emokognition.jobs.celery_app import run_worker

    _service_logging(args.log_format, args.verbose)
    run_worker(get_settings(), concurrency=args.concurrency)
    return 0


def _run_db_upgrade(args: argparse.Namespace) -> int:
    from emokognition.store import Database, upgrade

    database = Database(get_settings().database_url)
    upgrade(database, args.revision)
    return _run_db_current(args)


def _run_db_downgrade(args: argparse.Namespace) -> int:
    from emokognition.store import Database
    from emokognition.store.migrate import downgrade

    downgrade(Database(get_settings().database_url), args.revision)
    return _run_db_current(args)


def _run_db_current(args: argparse.Namespace) -> int:
    from emokognition.store import Database, head_revision
    from emokognition.store.migrate import current_revision

    database = Database(get_settings().database_url)
    with database.engine.connect() as connection:
        current = current_revision(connection)
    database.dispose()
    print(
        f"{database.engine.url.render_as_string(hide_password=True)}: "
        f"revision {current or 'none'} (newest {head_revision()})"
    )
    return 0


# --- daemon (the bot) ------------------------------------------------------------------------


def _daemon_command(commands: Any) -> None:
    daemon = commands.add_parser(
        "daemon", help="the bot: analyse the pictures that mention an account, record, reply"
    )
    daemon.add_argument("--source", choices=("twitter", "mastodon"), required=True)
    daemon.add_argument(
        "--bot",
        choices=("emokognition", "landmark"),
        default=None,
        help="reply with emotions or with the landmark (default: TwitterBotType)",
    )
    daemon.add_argument(
        "--once", action="store_true", help="answer the new mentions, then exit (for cron)"
    )
    daemon.add_argument(
        "--interval", type=float, default=None, help="seconds between polls (default 60)"
    )
    daemon.add_argument("--no-reply", action="store_true", help="record without replying")
    daemon.add_argument("--log-format", choices=("text", "json"), default="text")
    daemon.set_defaults(run=_run_daemon)


def _run_daemon(args: argparse.Namespace) -> int:
    from emokognition.sources import create_daemon

    _service_logging(args.log_format, args.verbose)
    # httpx logs every URL at INFO; some carry tokens in their query.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if args.interval is not None and args.interval < 0:
        raise ConfigError("--interval must not be negative")
    with create_daemon(
        get_settings(),
        args.source,
        bot=args.bot,
        once=args.once,
        interval=args.interval,
        reply=not args.no_reply,
    ) as daemon:
        return daemon.run()


__all__ = ["main"]

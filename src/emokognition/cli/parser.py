"""The argument parser of every command; each command's code is imported when it runs."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from emokognition.cli.options import (
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    smoothing,
)

DESCRIPTION = (
    "The `emokognition` command: analyze | watch | eval | serve | worker | db | daemon "
    "(`make bench`)."
)
FORMATS = ("table", "json", "jsonl", "csv", "parquet")

_TILES_HELP = "BlazeFace tiles per side on photos, for small faces (default: EMOKOGNITION_TILES)"
_SIZE_HELP = (
    "BlazeFace input for the whole picture, longer side in pixels: 320 finds smaller faces "
    "(default: EMOKOGNITION_DETECT_SIZE, the trained 192)"
)

_MIN_FACE_HELP = (
    "BlazeFace's smallest face, pixels, photos and video frames: a pyramid of scales; 0: one "
    "pass at --detect-size (default: EMOKOGNITION_MIN_FACE, 16)"
)
_PYRAMID_HELP = (
    "adaptive: finer scales only where coarser ones half see faces; full: every scale, ~10x "
    "a photo's time (default: EMOKOGNITION_PYRAMID, adaptive)"
)

Command = Callable[[argparse.Namespace], int]


def _command(module: str, function: str = "run") -> Command:
    """A command that imports `emokognition.cli.<module>` only when it runs."""

    def run(args: argparse.Namespace) -> int:
        code: int = getattr(importlib.import_module(f"emokognition.cli.{module}"), function)(args)
        return code

    return run


class _CommandParser(argparse.ArgumentParser):
    """A command's parser that adds its options only once the command is chosen or helped.

    `emokognition --help` then lists the commands without importing what their options need
    (the detector names live with the settings, whose import takes longer than the help).
    """

    def __init__(
        self,
        *args: Any,
        options: Callable[[argparse.ArgumentParser], None] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self._options = options
        # `main` reports a `UsageError` through the parser of the command that raised it.
        self.set_defaults(usage_error=self.error)

    def _add_options(self) -> None:
        if self._options is not None:
            options, self._options = self._options, None
            options(self)

    def parse_known_args(  # type: ignore[override]
        self, args: Any = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._add_options()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_options()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_options()
        return super().format_help()


class _Version(argparse.Action):
    """`--version`, looked up in the package metadata only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, help="show program's version number and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        from emokognition import __version__

        sys.stdout.write(f"emokognition {__version__}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The `emokognition` parser with every command and option."""
    parser = argparse.ArgumentParser(prog="emokognition", description=DESCRIPTION)
    parser.add_argument("--version", action=_Version)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_CommandParser)
    commands.add_parser(
        "analyze", help="faces and emotions in photos and videos", options=_analyze_options
    )
    commands.add_parser(
        "watch", help="the audience's mood in a live stream, as it happens", options=_watch_options
    )
    commands.add_parser("eval", help="measure the models on labelled data", options=_eval_options)
    _service_commands(commands)
    commands.add_parser(
        "daemon",
        help="the bot: analyse the pictures that mention an account, record, reply",
        options=_daemon_options,
    )
    return parser


_CLASSIFIER_HELP = "the emotion classifier (default: EMOKOGNITION_CLASSIFIER)"


def _classifier_option(parser: argparse.ArgumentParser) -> None:
    from emokognition.config import CLASSIFIERS

    parser.add_argument(
        "-c", "--classifier", choices=CLASSIFIERS, default=None, help=_CLASSIFIER_HELP
    )


def _analyze_options(analyze: argparse.ArgumentParser) -> None:
    from emokognition.config import DETECTORS, PYRAMIDS

    analyze.add_argument("inputs", nargs="+", help="image or video files, folders, http(s) URLs")
    analyze.add_argument("-f", "--format", choices=FORMATS, default="table")
    analyze.add_argument("-d", "--detector", choices=DETECTORS, default=None)
    _classifier_option(analyze)
    analyze.add_argument("--tiles", type=non_negative_int, default=None, help=_TILES_HELP)
    analyze.add_argument("--detect-size", type=non_negative_int, default=None, help=_SIZE_HELP)
    analyze.add_argument("--min-face", type=non_negative_int, default=None, help=_MIN_FACE_HELP)
    analyze.add_argument("--pyramid", choices=PYRAMIDS, default=None, help=_PYRAMID_HELP)
    analyze.add_argument(
        "--annotate",
        type=Path,
        help="write the picture or video (.mp4) with boxes and labels (a folder for many)",
    )
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sampling = analyze.add_mutually_exclusive_group()
    sampling.add_argument(
        "--fps", type=positive_float, help="video: analysed frames per second (5)"
    )
    sampling.add_argument("--every", type=positive_int, metavar="N", help="video: every N-th frame")
    sampling.add_argument("--all-frames", action="store_true", help="video: every frame")
    analyze.add_argument("--plot", type=Path, help="video: emotions over time per track (.png)")
    analyze.add_argument("--workers", type=positive_int, default=1, help="video: worker processes")
    analyze.add_argument(
        "--backend",
        choices=("process", "ray"),
        default="process",
        help="video: where workers run (ray: EMOKOGNITION_RAY_ADDRESS, or a local Ray)",
    )
    analyze.add_argument(
        "--smoothing",
        type=smoothing,
        help="video: weight of a track's past, in [0, 1) (0: none; default: tuned)",
    )
    analyze.set_defaults(run=_command("analyze"))


def _watch_options(watch: argparse.ArgumentParser) -> None:
    from emokognition.config import DETECTORS

    watch.add_argument(
        "url", help="an HLS playlist (.m3u8), an HTTP MPEG-TS, RTSP or RTMP URL, or a file"
    )
    watch.add_argument("-f", "--format", choices=("table", "jsonl"), default="table")
    watch.add_argument(
        "--fps", type=positive_float, help="analysed frames per second (EMOKOGNITION_VIDEO_FPS)"
    )
    watch.add_argument("--window", type=positive_float, default=5.0, help="seconds per line (5)")
    watch.add_argument("--duration", type=positive_float, help="stop after S seconds of stream")
    watch.add_argument(
        "--realtime", action="store_true", help="URL is a local file: play it at its own pace"
    )
    watch.add_argument("-d", "--detector", choices=DETECTORS, default=None)
    _classifier_option(watch)
    watch.set_defaults(run=_command("watch"))


def _eval_options(evaluate: argparse.ArgumentParser) -> None:
    from emokognition.config import DETECTORS, PYRAMIDS

    targets = evaluate.add_subparsers(required=True, metavar="DATASET")
    fer = targets.add_parser("fer2013", help="classifier accuracy on a FER2013 .npz")
    fer.add_argument("path", type=Path)
    fer.add_argument("--limit", type=positive_int, default=None, help="first N rows only")
    _classifier_option(fer)
    fer.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="average with the mirror image (default: EMOKOGNITION_MIRROR, on)",
    )
    fer.add_argument("-f", "--format", choices=("table", "json"), default="table")
    fer.set_defaults(run=_command("eval", "run_fer2013"))
    pipeline = targets.add_parser(
        "pipeline",
        help="the whole Analyzer on FER2013 faces pasted into a photo, upright and rotated",
    )
    pipeline.add_argument("path", type=Path, help="a FER2013 .npz")
    pipeline.add_argument(
        "--background",
        type=Path,
        default=Path("../shared/data/photos/horses_noface.jpg"),
        help="a photo without faces to paste them into",
    )
    pipeline.add_argument("--limit", type=positive_int, default=None, help="first N faces only")
    pipeline.add_argument("--max-angle", type=non_negative_float, default=25.0)
    pipeline.add_argument("--seed", type=int, default=0)
    _classifier_option(pipeline)
    pipeline.add_argument("-f", "--format", choices=("table", "json"), default="table")
    pipeline.set_defaults(run=_command("eval", "run_pipeline"))
    faces = targets.add_parser(
        "faces", help="detector precision/recall, by face size, on DIR/faces.json (and crowds)"
    )
    faces.add_argument("path", type=Path)
    faces.add_argument(
        "-d",
        "--detector",
        choices=DETECTORS,
        action="append",
        default=None,
        help="repeat to compare detectors (default: EMOKOGNITION_DETECTOR)",
    )
    faces.add_argument(
        "--crowd",
        action="store_true",
        help="also crowd pictures made from DIR's photos (3000x2000, faces of 16 px and up)",
    )
    faces.add_argument(
        "--min-face",
        type=non_negative_int,
        default=None,
        help=_MIN_FACE_HELP,
    )
    faces.add_argument("--pyramid", choices=PYRAMIDS, default=None, help=_PYRAMID_HELP)
    faces.add_argument("--tiles", type=non_negative_int, default=None, help=_TILES_HELP)
    faces.add_argument(
        "--detect-size",
        type=non_negative_int,
        default=None,
        help="BlazeFace's single input, longer side in pixels, instead of the pyramid "
        "(default: EMOKOGNITION_DETECT_SIZE)",
    )
    faces.add_argument("--iou", type=float, default=0.4)
    faces.add_argument("-f", "--format", choices=("table", "json"), default="table")
    faces.set_defaults(run=_command("eval", "run_faces"))


def _service_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the web service (JSON API, pages, jobs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-format", choices=("text", "json"), default="text")
    serve.add_argument("--classifier", default=None, help=_CLASSIFIER_HELP)
    serve.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="server processes on the port (each with its own job pool; default 1)",
    )
    serve.set_defaults(run=_command("serve", "run_serve"))
    worker = commands.add_parser("worker", help="run a Celery worker (EMOKOGNITION_JOBS=celery)")
    worker.add_argument("-c", "--concurrency", type=positive_int, default=os.cpu_count() or 1)
    worker.add_argument("--log-format", choices=("text", "json"), default="text")
    worker.add_argument("--classifier", default=None, help=_CLASSIFIER_HELP)
    worker.set_defaults(run=_command("serve", "run_worker"))
    db = commands.add_parser(
        "db", help="database migrations (applied at start anyway), statistics check"
    )
    actions = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="migrate to the newest (or a given) revision")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_command("db", "run_upgrade"))
    downgrade = actions.add_parser("downgrade", help="migrate down ('base' drops every table)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(run=_command("db", "run_downgrade"))
    current = actions.add_parser("current", help="the database's revision and the newest")
    current.set_defaults(run=_command("db", "run_current"))
    check = actions.add_parser(
        "check-stats", help="recount the statistics rollups from the rows; exit 1 on a difference"
    )
    check.set_defaults(run=_command("db", "run_check_stats"))


def _daemon_options(daemon: argparse.ArgumentParser) -> None:
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
        "--interval",
        type=non_negative_float,
        default=None,
        help="seconds between polls (default 60)",
    )
    daemon.add_argument("--no-reply", action="store_true", help="record without replying")
    daemon.add_argument("--log-format", choices=("text", "json"), default="text")
    daemon.set_defaults(run=_command("daemon"))

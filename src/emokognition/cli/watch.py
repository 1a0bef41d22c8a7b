"""`emokognition watch`: the audience's mood in a live stream, one line per window."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from emokognition.cli.options import photo_settings
from emokognition.emotions import EMOTIONS
from emokognition.video.live import LiveSummary, LiveWindow, StreamNotice, watch_stream


def run(args: argparse.Namespace) -> int:
    """Watch until the stream ends, `--duration` is reached or Ctrl-C; then the summary."""
    settings = photo_settings(args)
    live = watch_stream(
        args.url,
        fps=args.fps,
        window=args.window,
        duration=args.duration,
        realtime=args.realtime,
        detector=args.detector,
        settings=settings,
        notify=_notice,
    )
    out = sys.stdout
    try:
        for window in live:
            _write(out, window_line(window) if args.format == "table" else _json(window))
    except KeyboardInterrupt:
        pass
    finally:
        live.close()
    summary = live.summary()
    _write(out, summary_line(summary) if args.format == "table" else _json(summary))
    return 1 if summary.reason == "lost" else 0


def window_line(window: LiveWindow) -> str:
    """`  12.0-17.0 s  faces 14  people 3  happy 64% neutral 29% sad 7%  main happy, alt neutral`"""
    mood = window.audience
    head = f"{mood.start:7.1f}-{mood.end:.1f} s  faces {mood.faces:3d}  people {mood.people:2d}"
    if mood.shares is None:
        body = "no faces"
    else:
        shares = sorted(mood.shares.items(), key=lambda item: -item[1])
        body = " ".join(f"{name} {share:.0%}" for name, share in shares if share > 0)
        body += f"  main {mood.main}, alt {mood.alternative}"
    tail = f"  (skipped {window.skipped})" if window.skipped else ""
    return f"{head}  {body}{tail}"


def summary_line(summary: LiveSummary) -> str:
    """The closing lines: why it stopped, what was analysed and skipped, who was seen."""
    mains = {name: sum(t.main == name for t in summary.tracks) for name in EMOTIONS}
    people = ", ".join(f"{name} {n}" for name, n in mains.items() if n) or "none"
    return (
        f"{summary.source}: {summary.reason} after {summary.seconds:.1f} s, "
        f"{summary.windows} windows, {summary.analysed} frames analysed, "
        f"{summary.skipped} skipped, {summary.reconnects} reconnections, "
        f"{summary.faces} faces, {len(summary.tracks)} people (main: {people})"
    )


def _notice(notice: StreamNotice) -> None:
    sys.stderr.write(f"{notice.message}\n")
    sys.stderr.flush()


def _json(item: LiveWindow | LiveSummary) -> str:
    return json.dumps(item.to_dict(), separators=(",", ":"))


def _write(out: TextIO, line: str) -> None:
    out.write(f"{line}\n")
    out.flush()  # a line as soon as its window is ready, also into a pipe

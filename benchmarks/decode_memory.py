"""Peak memory of decoding hostile but accepted images, each in a fresh process.

Run: python -m benchmarks.decode_memory

Each file is made here (never committed): a 49-megapixel PNG of one colour (160 KB), the same as
a JPEG, as RGBA, and a 37-byte GIF whose logical screen is 7000x7000. A child process loads the
models, analyses a portrait (the baseline), then the file; its peak RSS over the baseline is the
file's cost. "2 at once" analyses the PNG in two threads of one process, as the service's two
inline workers would.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from rich.console import Console
from rich.table import Table

SIDE = 7000
CHILD = """
import resource, sys, threading
from emokognition.vision.analyzer import Analyzer
analyzer = Analyzer()
analyzer.analyze(open(sys.argv[1], "rb").read())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = open(sys.argv[2], "rb").read()
outcomes = []
def run():
    try:
        outcomes.append(f"{len(analyzer.analyze(data).faces)} faces")
    except Exception as exc:
        outcomes.append(f"refused: {exc}")
threads = [threading.Thread(target=run) for _ in range(int(sys.argv[3]))]
for t in threads: t.start()
for t in threads: t.join()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(base // 1024, (peak - base) // 1024, "; ".join(sorted(set(outcomes))))
"""
PORTRAIT = Path(__file__).resolve().parents[1].parent / "shared/data/photos/obama_portrait.jpg"


def _names(folder: Path) -> dict[str, Path]:
    names = {"png": "big.png", "jpeg": "big.jpg", "rgba png": "rgba.png"}
    names["gif screen"] = "screen.gif"
    return {name: folder / file for name, file in names.items()}


def _files(folder: Path) -> dict[str, Path]:
    files = _names(folder)
    # Made in a child: a child's peak RSS counts what it was forked from.
    command = [sys.executable, "-m", "benchmarks.decode_memory", "--make", str(folder)]
    subprocess.run(command, check=True)
    return files


def _make(folder: Path) -> None:
    files = _names(folder)
    solid = Image.new("RGB", (SIDE, SIDE), (200, 180, 160))
    solid.save(files["png"], optimize=True)
    solid.save(files["jpeg"], quality=80)
    solid.convert("RGBA").save(files["rgba png"], optimize=True)
    tiny = io.BytesIO()
    Image.new("P", (1, 1), 0).save(tiny, format="GIF")
    gif = bytearray(tiny.getvalue())
    gif[6:10] = SIDE.to_bytes(2, "little") * 2  # the logical screen, not the frame
    files["gif screen"].write_bytes(bytes(gif))


def _measure(path: Path, threads: int) -> tuple[int, int, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(PORTRAIT), str(path), str(threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    base, extra, outcome = out.stdout.split(maxsplit=2)
    return int(base), int(extra), outcome.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)
    if args.make:
        _make(args.make)
        return 0
    table = Table(title=f"peak memory over a loaded analyzer, {SIDE}x{SIDE} = {SIDE * SIDE:,} px")
    for column in ("file", "bytes", "MB over baseline", "bytes per pixel", "baseline MB", "result"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as folder:
        files = _files(Path(folder))
        runs = [(name, path, 1) for name, path in files.items()] + [
            ("png, 2 at once", files["png"], 2)
        ]
        for name, path, threads in runs:
            base, extra, outcome = _measure(path, threads)
            per_pixel = extra * 1024 * 1024 / (SIDE * SIDE)
            size = f"{path.stat().st_size:,}"
            table.add_row(name, size, f"{extra:,}", f"{per_pixel:.1f}", f"{base:,}", outcome)
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

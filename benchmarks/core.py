"""Recognition core: classifier throughput, one photo end to end, and the `fer` package.

Run: python -m benchmarks.core [--peer-python .venv-peer/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks.timing import median_seconds
from emokognition.config import CLASSIFIERS, DETECTORS, get_settings
from emokognition.vision.analyzer import Analyzer
from emokognition.vision.classifier import create_classifier
from emokognition.vision.detectors import FaceDetector, create_detector

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
GROUP_PHOTO = SHARED / "photos" / "2007_007763.jpg"  # 7 labelled faces
FER2013 = SHARED / "fer2013" / "publictest.npz"
LARGE = "3000x2000"  # a group photo from a camera: only BlazeFace's searches are timed on it


def make_photos(folder: Path) -> dict[str, Path]:
    """The group photo as JPEGs of 640x480, 1280x720 and 3000x2000 (scaled, centre-cropped)."""
    image = cv2.imread(str(GROUP_PHOTO))
    if image is None:
        raise SystemExit(f"cannot read {GROUP_PHOTO}")
    scaled = {
        "640x480": cv2.resize(image, (640, 480), interpolation=cv2.INTER_CUBIC),
        "1280x720": cv2.resize(image, (1280, 960), interpolation=cv2.INTER_CUBIC)[120:840],
        LARGE: cv2.resize(image, (3000, 2250), interpolation=cv2.INTER_CUBIC)[125:2125],
    }
    photos = {}
    for size, pixels in scaled.items():
        photos[size] = folder / f"group_{size}.jpg"
        cv2.imwrite(str(photos[size]), pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return photos


def bench_classifier(console: Console) -> None:
    """Each shipped classifier on the same 256 PublicTest crops (48x48, as FER2013 has them:
    each classifier's own resizing is part of its cost), with and without the mirror."""
    with np.load(FER2013) as data:
        crops = data["images"][:256]
    table = Table(title="classifiers (ONNX Runtime, all cores)", title_justify="left")
    for column in ("classifier", "mirror", "batch", "ms / batch", "faces / s", "vs default"):
        table.add_column(column, justify="right")
    rates: dict[tuple[str, bool, int], float] = {}
    for name in CLASSIFIERS:
        for mirror in (True, False):
            classifier = create_classifier(name, flip=mirror)
            for batch in (1, 32, 256):
                seconds = median_seconds(partial(classifier.predict, crops[:batch]))
                rates[name, mirror, batch] = batch / seconds
    default = get_settings().classifier
    for (name, mirror, batch), rate in rates.items():
        table.add_row(
            name,
            "on" if mirror else "off",
            str(batch),
            f"{batch / rate * 1000:.2f}",
            f"{rate:,.0f}",
            f"{rate / rates[default, mirror, batch]:.2f}x",
        )
    console.print(table)


def bench_photos(console: Console, photos: dict[str, Path], peer_python: Path | None) -> None:
    """Each detector, and BlazeFace's searches (the default adaptive pyramid for 16 px faces,
    every level of it, one 192 px pass as before, and the older options), end to end."""
    ours: dict[tuple[str, str], tuple[float, int]] = {}
    settings = get_settings()
    detectors: dict[str, str | FaceDetector] = {name: name for name in DETECTORS}
    detectors["blazeface, full pyramid"] = create_detector("blazeface", min_face=16, pyramid="full")
    detectors["blazeface, one pass (MIN_FACE=0)"] = create_detector("blazeface")
    detectors["blazeface, 2 tiles"] = create_detector("blazeface", tiles=2)
    detectors["blazeface, size 320"] = create_detector("blazeface", size=320)
    for label, detector in detectors.items():
        analyzer = Analyzer(detector, settings=settings)
        for size, path in photos.items():
            if size == LARGE and label in ("haar", "dlib"):
                continue
            data = path.read_bytes()  # decode is timed, reading the file is not
            faces = len(analyzer.analyze(data).faces)
            ours[label, size] = (median_seconds(partial(analyzer.analyze, data)), faces)
    peer = _run_peer(peer_python, photos)
    table = Table(title="one photo, decode + detect + classify", title_justify="left")
    for column in ("detector", "size", "faces", "ms", "photos / s", "vs fer"):
        table.add_column(column, justify="right")
    for (detector, size), (seconds, faces) in ours.items():
        ratio = f"{peer[size][0] / seconds:.1f}x faster" if size in peer else "not measured"
        table.add_row(
            detector, size, str(faces), f"{seconds * 1000:.1f}", f"{1 / seconds:.1f}", ratio
        )
    for size, (seconds, faces) in peer.items():
        table.add_row(
            "fer 25.10.3", size, str(faces), f"{seconds * 1000:.1f}", f"{1 / seconds:.1f}", "1.0x"
        )
    console.print(table)


def _run_peer(peer_python: Path | None, photos: dict[str, Path]) -> dict[str, tuple[float, int]]:
    """Time the `fer` package in its own venv; {} when that venv is missing."""
    if peer_python is None or not peer_python.exists():
        return {}
    script = Path(__file__).with_name("peer_fer.py")
    done = subprocess.run(
        [str(peer_python), str(script), *[str(p) for p in photos.values()]],
        capture_output=True,
        text=True,
        check=True,
    )
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        size: (timings[str(path)]["seconds"], timings[str(path)]["faces"])
        for size, path in photos.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", type=Path, default=REPO / ".venv-peer" / "bin" / "python")
    args = parser.parse_args()
    console = Console()
    bench_classifier(console)
    with tempfile.TemporaryDirectory() as tmp:
        bench_photos(console, make_photos(Path(tmp)), args.peer_python)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

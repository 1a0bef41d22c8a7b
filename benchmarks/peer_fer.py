"""The `fer` package on photos, run inside the peer venv (TensorFlow): prints JSON timings.

Usage: .venv-peer/bin/python benchmarks/peer_fer.py PHOTO [PHOTO ...]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
from fer.fer import FER  # 25.10.3: `from fer import FER` fails


def main(paths: list[str]) -> None:
    detector = FER()  # its defaults: OpenCV Haar cascade + the emotion model it ships
    out = {}
    for path in paths:

        def work(path: str = path) -> int:
            return len(detector.detect_emotions(cv2.imread(path)))

        faces = work()  # warm-up
        times = []
        started = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - started < 2.0 and len(times) < 50):
            t0 = time.perf_counter()
            work()
            times.append(time.perf_counter() - t0)
        out[path] = {"seconds": statistics.median(times), "faces": faces}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])

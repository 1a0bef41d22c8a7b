"""The `fer` package's video analysis, run inside the peer venv (TensorFlow): prints JSON.

Every `--every`-th frame, read with OpenCV, goes through FER's own Haar cascade and emotion
model (`detect_emotions`), as `fer.classes.Video.analyze` does frame by frame (that class
needs moviepy, which the peer venv does not have).

Usage: .venv-peer/bin/python benchmarks/peer_fer_video.py VIDEO [--every N]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
from fer.fer import FER  # type: ignore[import-not-found]  # 25.10.3: `from fer import FER` fails


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("video")
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    detector = FER()
    capture = cv2.VideoCapture(args.video)
    ok, frame = capture.read()
    if not ok:
        raise SystemExit(f"cannot read {args.video}")
    detector.detect_emotions(frame)  # warm-up, not timed
    capture.release()
    capture = cv2.VideoCapture(args.video)
    frames = analysed = faces = 0
    started = time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if frames % args.every == 0:
            faces += len(detector.detect_emotions(frame))
            analysed += 1
        frames += 1
    seconds = time.perf_counter() - started
    capture.release()
    print(json.dumps({"seconds": seconds, "frames": frames, "analysed": analysed, "faces": faces}))


if __name__ == "__main__":
    main()

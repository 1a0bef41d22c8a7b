"""Cold start of the command line: a photo's analysis and the help, each in a fresh process.

Run: python -m benchmarks.cold_start [--rounds 9]

Every command runs in a new interpreter, the commands taking turns round after round so that a
busy machine slows each alike; the table shows medians and the ratios measured in this one run.
The floor of `emokognition analyze photo.jpg` is what it cannot avoid: importing numpy, OpenCV and
ONNX Runtime and loading one model (the classifier). The help's floor is the interpreter plus
0.1 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from emokognition.config import get_settings
from emokognition.vision.classifier import MODELS
from emokognition.vision.runtime import model_path

PHOTO = Path(__file__).resolve().parents[1] / "src/emokognition/vision/samples/grace_hopper.jpg"
HELP_ALLOWANCE = 0.1  # seconds the help may take beyond a bare interpreter
TARGETS = {"analyze": 1.6, "help": 1.2}


def commands() -> dict[str, list[str]]:
    """The timed command lines, by name."""
    python = sys.executable
    cli = str(Path(python).with_name("emokognition"))
    # The file of the configured classifier: the floor loads it, as the analysis must.
    model = model_path(MODELS[get_settings().classifier].file)
    floor = (
        "import numpy, cv2, onnxruntime as ort; "
        f"ort.InferenceSession({str(model)!r}, providers=['CPUExecutionProvider'])"
    )
    return {
        "pass": [python, "-c", "pass"],
        "floor": [python, "-c", floor],
        "help": [cli, "--help"],
        "analyze": [cli, "analyze", str(PHOTO)],
    }


def cold_seconds(lines: dict[str, list[str]], rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) seconds of each command line, run in turn."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in lines}
    for _ in range(rounds + 1):  # the first round warms the file cache and is dropped
        for name, line in lines.items():
            cpu = _children_cpu()
            started = time.perf_counter()
            subprocess.run(line, check=True, stdout=subprocess.DEVNULL)
            times[name].append((time.perf_counter() - started, _children_cpu() - cpu))
    return {
        name: (
            statistics.median(wall for wall, _ in values[1:]),
            statistics.median(cpu for _, cpu in values[1:]),
        )
        for name, values in times.items()
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_start_table(console: Console, rounds: int) -> dict[str, float]:
    """Print the table; returns the wall-time ratios by command ("analyze", "help").

    CPU seconds are shown beside wall seconds: on a busy machine they move less.
    """
    seconds = cold_seconds(commands(), rounds)
    floors = {
        "analyze": seconds["floor"],
        "help": (seconds["pass"][0] + HELP_ALLOWANCE, seconds["pass"][1] + HELP_ALLOWANCE),
    }
    table = Table(title=f"cold start, median of {rounds} fresh processes", title_justify="left")
    for column in ("command", "wall s", "cpu s", "ratio", "cpu ratio", "target"):
        table.add_column(column, justify="right")
    for name, label in (("pass", "python -c pass"), ("floor", "numpy+cv2+ort, 1 model")):
        table.add_row(label, f"{seconds[name][0]:.3f}", f"{seconds[name][1]:.3f}", "", "", "")
    labels = {"analyze": "analyze photo.jpg", "help": "--help"}
    ratios: dict[str, float] = {}
    for name, label in labels.items():
        (wall, cpu), (floor_wall, floor_cpu) = seconds[name], floors[name]
        ratios[name] = wall / floor_wall
        table.add_row(
            label,
            f"{wall:.3f}",
            f"{cpu:.3f}",
            f"{ratios[name]:.2f}x",
            f"{cpu / floor_cpu:.2f}x",
            f"<= {TARGETS[name]}x",
        )
    console.print(table)
    console.print(
        "ratios against the floor: analyze / (import numpy, cv2, onnxruntime + one model load), "
        f"--help / (python -c pass + {HELP_ALLOWANCE} s)",
        highlight=False,
    )
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9, help="runs of each command")
    args, _ = parser.parse_known_args()  # `python -m benchmarks` passes --peer-python to all
    cold_start_table(Console(), args.rounds)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

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


def cold_seconds(lines: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """Median wall seconds of each command line, each run in turn `rounds` times."""
    times: dict[str, list[float]] = {name: [] for name in lines}
    for _ in range(rounds + 1):  # the first round warms the file cache and is dropped
        for name, line in lines.items():
            started = time.perf_counter()
            subprocess.run(line, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values[1:]) for name, values in times.items()}


def cold_start_table(console: Console, rounds: int) -> dict[str, float]:
    """Print the table; returns the ratios by command ("analyze", "help")."""
    seconds = cold_seconds(commands(), rounds)
    floors = {"analyze": seconds["floor"], "help": seconds["pass"] + HELP_ALLOWANCE}
    table = Table(title=f"cold start, median of {rounds} fresh processes", title_justify="left")
    for column in ("command", "s", "floor s", "ratio", "target"):
        table.add_column(column, justify="right")
    table.add_row("python -c pass", f"{seconds['pass']:.3f}", "", "", "")
    table.add_row("import numpy, cv2, onnxruntime + 1 model", f"{seconds['floor']:.3f}", "", "", "")
    labels = {"analyze": "emokognition analyze photo.jpg", "help": "emokognition --help"}
    ratios: dict[str, float] = {}
    for name, label in labels.items():
        ratios[name] = seconds[name] / floors[name]
        table.add_row(
            label,
            f"{seconds[name]:.3f}",
            f"{floors[name]:.3f}",
            f"{ratios[name]:.2f}x",
            f"<= {TARGETS[name]}x",
        )
    console.print(table)
    console.print(
        "floor: analyze = the numpy, cv2, onnxruntime import + one model load; "
        f"--help = python -c pass + {HELP_ALLOWANCE} s",
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

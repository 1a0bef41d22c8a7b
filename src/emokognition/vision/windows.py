"""Where a detector looks in a picture: a pyramid of scales that brings the smallest face asked
for up to what the model can see, cut into tiles that keep each model run small.

A fully convolutional detector sees faces within a band of sizes in its input pixels (BlazeFace
full range: from ~16-20 px to ~100). One pass at the trained size finds the large faces of any
picture; small faces need the picture scaled up until they reach the band's lower end, and the
faces in between need the levels in between, a factor `ratio` apart.

Searched coarse to fine, a level tells whether the next is worth its cost (`go_finer`): its
input pixels grow 16-fold a level, and most pictures show no face smaller than those the
coarse levels already see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Level:
    """The picture scaled for one pass.

    Attributes:
        scale: Input pixels per picture pixel.
        width: Scaled picture width in input pixels (before any padding), >= 1.
        height: Scaled picture height, >= 1.
    """

    scale: float
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.scale <= 0 or self.width < 1 or self.height < 1:
            raise ValueError(f"level needs scale > 0 and sides >= 1, got {self}")


@dataclass(frozen=True, slots=True)
class Plan:
    """The levels for one picture size, finest first.

    Attributes:
        levels: One or more levels, finest (largest) first; the last is at the trained size
            (unless thinner than a face the model finds: a panorama's).
        min_face: Smallest face side, picture pixels, that the finest level can find.
        capped: The smallest face asked for needed more input pixels than allowed.
    """

    levels: tuple[Level, ...]
    min_face: float
    capped: bool

    @property
    def pixels(self) -> int:
        """Input pixels over all levels (the detector's cost, before padding and overlap)."""
        return sum(level.width * level.height for level in self.levels)


def plan_levels(
    width: int,
    height: int,
    *,
    min_face: float,
    reach: float,
    base: int,
    max_pixels: int,
    ratio: float = 4.0,
) -> Plan:
    """The pyramid that finds faces from `min_face` picture pixels up in a width x height picture.

    Levels whose shorter side is under `reach` are left out (but never the finest).

    Args:
        width, height: Picture size, pixels (>= 1).
        min_face: Smallest face side to find, picture pixels (> 0).
        reach: Smallest face side the model finds reliably, input pixels.
        base: The model's trained input side: the coarsest level's longer side (at least).
        max_pixels: Most input pixels the finest level may have; above it the finest level is
            shrunk to fit (`capped`) and `min_face` of the plan says what it can still find.
        ratio: Scale between neighbouring levels (the band of face sizes one level covers).

    Raises:
        ValueError: Sides < 1, or min_face, reach, base, max_pixels or ratio not positive.
    """
    if width < 1 or height < 1:
        raise ValueError(f"picture sides must be >= 1, got {width}x{height}")
    if min(min_face, reach, base, max_pixels) <= 0 or ratio <= 1:
        raise ValueError("min_face, reach, base and max_pixels must be > 0 and ratio > 1")
    longer = max(width, height)
    top = reach / min_face
    capped = width * height * top * top > max_pixels
    if capped:
        top = math.sqrt(max_pixels / (width * height))
    # Each level's longer side; the coarsest covers up to 1.5x the trained size by itself.
    sides = []
    side = longer * top
    while side > 1.5 * base:
        sides.append(side)
        side /= ratio
    sides.append(max(side, float(base)))
    levels = [_level(width, height, s / longer) for s in sides]
    # A level whose shorter side is under the reach holds no face the model finds reliably
    # (a 20000x200 panorama at 192 px is 192x2): the finer levels see them all.
    seeing = [level for level in levels[1:] if min(level.width, level.height) >= reach]
    return Plan(levels=(levels[0], *seeing), min_face=reach / levels[0].scale, capped=capped)


def _level(width: int, height: int, scale: float) -> Level:
    return Level(scale, max(1, round(width * scale)), max(1, round(height * scale)))


def tile_grid(length: int, tile: int, overlap: int, align: int) -> tuple[int, list[int]]:
    """Cut `length` input pixels into tiles of at most `tile` that overlap by `overlap`.

    Returns the tile length (a multiple of `align`, the tiles all alike so they batch) and
    their offsets; one tile when the length fits (then the tile may exceed it: padding).

    Raises:
        ValueError: tile <= overlap, or a length, tile or align < 1.
    """
    if length < 1 or tile < 1 or align < 1 or tile <= overlap:
        raise ValueError(f"need length, tile, align >= 1 and tile > overlap, got {locals()}")
    aligned = -(-length // align) * align
    if aligned <= tile:
        return aligned, [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    # The shortest tiles that still overlap by `overlap` (rounding up only adds overlap).
    size = min(-(-math.ceil((length + (count - 1) * overlap) / count) // align) * align, tile)
    step = (length - size) / (count - 1)
    return size, [round(i * step) for i in range(count)]


# Candidates that score from here up to the detection threshold are faces the model half sees:
# faces a little smaller than the level finds reliably, or a crowd's faces seen from afar.
WEAK_SCORE = 0.2
# Weak candidates that send the adaptive search on: one after the coarsest level, a few after
# a finer one (the next costs 16x more, and textured pictures leave one or two there: the
# shared videos' 1280x720 frames at 416x224 leave 0 to 2, the crowd set's pictures at 938x625
# leave 12 to 105; levels for a reach of 20 px).
_WEAK_FIRST = 1
_WEAK_LATER = 3
# Faces of this box side and more (input pixels) are large for a level: well inside what it
# sees (the shared photos' 37 to 53 px faces come out at 11 to 17 px at 192 px).
_LARGE_SIDE = 24.0

Next = Literal["level", "focus"]
"""How the next finer level is searched: all of it, or around the weak candidates only."""


def go_finer(
    pyramid: str, *, first: bool, faces: int, weak: int, smallest: float = 0.0
) -> Next | None:
    """How the next finer level is searched after one that found `faces` faces, the smallest
    `smallest` input pixels wide, and left `weak` weak candidates (clusters scoring from
    `WEAK_SCORE` up to the single pass's threshold), or None to stop.

    "full" searches every level whole. "adaptive" searches the whole next level after a
    first, coarsest level that found no face at all (a crowd too small to half see, or no
    face) or small faces and a weak candidate (a group, where one face is half seen), and
    after a finer level that left a few weak candidates: faces there are at the edge of what
    the level sees, so smaller ones are likely. After a first level that found large faces
    only and left a weak candidate (a portrait, a talking head) it looks closer around that
    candidate only: a whole finer level of such a picture shows faces in textures (a
    watermark's letters in 2 of the 115 frames of the shared talking-head video). On the
    shared photos and the crowd set (`eval faces --crowd`) the coarsest level leaves no weak
    candidate on the photos whose faces it finds all, one on the photo with a face it misses
    (found a level finer), 0 to 3 on 3000x2000 crowds of 16 to 40 px faces (none of which it
    finds), 12 to 105 on those a level finer.
    """
    if pyramid == "full" or (first and faces == 0):
        return "level"
    if first and weak >= _WEAK_FIRST:
        return "focus" if smallest >= _LARGE_SIDE else "level"
    return "level" if not first and weak >= _WEAK_LATER else None

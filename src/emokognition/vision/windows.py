"""Where a detector looks in a picture: a pyramid of scales that brings the smallest face asked
for up to what the model can see, cut into tiles that keep each model run small.

A fully convolutional detector sees faces within a band of sizes in its input pixels (BlazeFace
full range: from ~16-20 px to ~100). One pass at the trained size finds the large faces of any
picture; small faces need the picture scaled up until they reach the band's lower end, and the
faces in between need the levels in between, a factor `ratio` apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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
        levels: One or more levels, finest (largest) first; the last is at the trained size.
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
    levels = tuple(_level(width, height, s / longer) for s in sides)
    return Plan(levels=levels, min_face=reach / levels[0].scale, capped=capped)


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

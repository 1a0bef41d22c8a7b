"""How the analysis page labels a picture's faces: the same placement as `--annotate`
(`vision.labels`: beside the box, over no other face or label, inside the picture), measured
for the page's SVG text, with the number only on small faces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emokognition.vision.labels import Rect, place_labels

# The page's label font: each character about 0.62 of the font size wide (system-ui, bold
# digits and lower case), plus 0.3 on either side; a line 1.25 of it high.
_CHAR_WIDTH = 0.62
_PADDING = 0.6
_LINE = 1.25
# A face smaller than this many label heights is small: its label is its number, in a font
# that follows the face's side down to `_SMALLEST` of the picture's label size.
_SMALL_FACE = 1.5
_SMALLEST = 0.35


@dataclass(frozen=True, slots=True)
class PageLabel:
    """One face's label on the page's picture, in picture pixels.

    Attributes:
        text: Its number and main emotion, or its number only.
        x, y, width, height: The label's rectangle.
        font: Font size.
        apart: It stands away from its face: the page draws a line to it.
    """

    text: str
    x: float
    y: float
    width: float
    height: float
    font: float
    apart: bool

    @property
    def baseline(self) -> float:
        return self.y + self.font

    @property
    def text_x(self) -> float:
        return self.x + self.font * _PADDING / 2


def page_labels(
    boxes: Sequence[Rect], mains: Sequence[str], width: int, height: int, size: float
) -> list[PageLabel]:
    """Each face's label, the faces numbered from 1 in the order given.

    Args:
        boxes: Each face's (x, y, w, h), picture pixels.
        mains: Each face's main emotion.
        width, height: The picture's size.
        size: The label font size for a face large enough, picture pixels.
    """
    fonts = []
    texts = []
    for number, (box, main) in enumerate(zip(boxes, mains, strict=True), start=1):
        side = (box[2] * box[3]) ** 0.5
        small = side < _SMALL_FACE * size * _LINE
        fonts.append(max(_SMALLEST * size, min(size, side)) if small else size)
        texts.append((f"{number}",) if small else (f"{number} {main}", f"{number}"))

    def measure(index: int, text: str) -> tuple[float, float]:
        font = fonts[index]
        return font * (_CHAR_WIDTH * len(text) + _PADDING), font * _LINE

    placed = place_labels(boxes, texts, width, height, measure)
    return [
        PageLabel(label.text, *label.rect, font=fonts[label.face], apart=label.apart)
        for label in placed
    ]

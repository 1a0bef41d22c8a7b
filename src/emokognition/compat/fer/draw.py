"""fer's frame annotations: a box per face and its seven scores written under it.

The look and the translated labels follow `fer.utils.draw_annotations` and
`fer.emotionsmultilanguage` (fer 25.10, MIT, Justin Shenk).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

BOX_COLOUR = (0, 155, 255)
_GRAY = (211, 211, 211)
_GREEN = (0, 255, 0)

# fer's label -> {language: label}; English is the key itself.
TRANSLATIONS: dict[str, dict[str, str]] = {
    "angry": {"tr": "Kizgin", "de": "Wutend"},
    "disgust": {"tr": "Igrenme", "de": "der Ekel"},
    "fear": {"tr": "Korku", "de": "Furcht"},
    "happy": {"tr": "Mutluluk", "de": "Glucklich"},
    "sad": {"tr": "Uzuntu", "de": "Traurig"},
    "surprise": {"tr": "Saskinlik", "de": "Uberraschung"},
    "neutral": {"tr": "Notr", "de": "Neutral"},
}
LANGUAGES = ("en", "tr", "de")


def draw_annotations(
    frame: NDArray[np.uint8],
    faces: Iterable[dict[str, Any]],
    *,
    lang: str = "en",
    size_multiplier: int = 1,
) -> NDArray[np.uint8]:
    """Draw fer's face dicts onto a (H, W, 3) BGR frame, in place; returns the frame.

    Raises:
        ValueError: A language other than `LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown lang {lang!r} ({', '.join(LANGUAGES)})")
    step = 15 * size_multiplier
    for face in faces:
        x, y, w, h = (int(v) for v in face["box"])
        cv2.rectangle(frame, (x, y), (x + w, y + h), BOX_COLOUR, 2)
        for row, (name, score) in enumerate(face["emotions"].items()):
            label = name if lang == "en" else TRANSLATIONS[name][lang]
            text = f"{label}: {f'{score:.2f}' if score >= 0.01 else ''}"
            cv2.putText(
                frame,
                text,
                (x, y + h + step + row * step),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * size_multiplier,
                _GRAY if score < 0.01 else _GREEN,
                size_multiplier,
                cv2.LINE_AA,
            )
    return frame

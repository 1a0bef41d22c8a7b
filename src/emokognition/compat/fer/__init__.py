"""The `fer` package's API (version 25.10) over emokognition's detector and classifier.

Switch with one line:

    from emokognition.compat.fer import FER, Video   # was: from fer import FER, Video

Same names, arguments, return shapes and keys as `fer`: `detect_emotions(img)` gives
`[{"box": [x, y, w, h], "emotions": {"angry", "disgust", "fear", "happy", "sad",
"surprise", "neutral"}}]`, each score rounded to 2 decimals as `fer` does. What differs, on
purpose: faces are found by emokognition's detector (BlazeFace by default, whatever `mtcnn`
says; a `cascade_file` asks for fer's Haar cascade with fer's parameters) and read by its
classifier; see `FER` and `Video` for the arguments that are accepted and ignored.
"""

from emokognition.compat.fer.detector import FER
from emokognition.compat.fer.images import InvalidImage
from emokognition.compat.fer.video import Video

__all__ = ["FER", "InvalidImage", "Video"]

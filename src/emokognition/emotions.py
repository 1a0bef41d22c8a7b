"""The seven emotion names, shared by every stage: API, database, CLI, pages."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = (
    "angry",
    "disgusted",
    "fearful",
    "happy",
    "sad",
    "surprised",
    "neutral",
)
"""The seven emotions, in FER2013 label order 0..6: the order of every probability vector."""

"""The texts the bots reply with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def greeting(author: str | None) -> str:
    return f"Hey @{author}!" if author else "Hey!"


def emotion_reply(author: str | None, results: Iterable[dict[str, Any]]) -> str:
    """Names the main and alternative emotion that most faces in the post's pictures show.

    Args:
        results: The result contract of each analysed picture.
    """
    main: Counter[str] = Counter()
    alternative: Counter[str] = Counter()
    faces = 0
    for result in results:
        summary = result.get("summary", {})
        faces += int(summary.get("faces", 0))
        main.update(summary.get("main", {}))
        alternative.update(summary.get("alternative", {}))
    if faces == 0:
        return f"{greeting(author)} I see no face in your picture."
    counted = "one face" if faces == 1 else f"{faces} faces"
    return (
        f"{greeting(author)} I see {counted}. Main emotion: {_top(main)}; "
        f"alternative: {_top(alternative)}."
    )


def landmark_reply(author: str | None, landmarks: Iterable[dict[str, Any]]) -> str:
    """Names the first landmark recognised in the post's pictures, or says there was none."""
    for landmark in landmarks:
        if landmark.get("name"):
            return f"{greeting(author)} That should be {landmark['name']}!"
    return f"{greeting(author)} I recognised no landmark in your picture."


def _top(counts: Counter[str]) -> str:
    # Ties go to the emotion named first in the results (Counter keeps insertion order).
    return counts.most_common(1)[0][0] if counts else "none"

"""The people of a result, as the statistics count them: every face of a photo; every track of
a video once, by the track's main and alternative emotion; an untracked face of a video once.

A 15 s selfie video is one person, not the 78 face-frames it was seen in; so a video's counts
stand beside a group photo's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import numpy as np

from emokognition.emotions import EMOTIONS


def person_rows(
    result: dict[str, Any],
    *,
    analysis_id: str,
    source: str,
    at: datetime,
    untracked: Iterable[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """Rows of the people table for a result of the contract (image, video or stream window).

    A face whose track is missing from `tracks` counts once for its track, by the top two of
    its track's mean probabilities in the frames. A video result without `frames` (they were
    stored as rows while it was analysed) counts its tracks, and the (main, alternative) of
    its `untracked` faces.
    """
    classifier = str(result["model"]["classifier"])
    common = {
        "analysis_id": analysis_id,
        "source": source,
        "created_at": at,
        "classifier": classifier,
    }
    return [
        {**common, "track": track, "frames": frames, "main": main, "alternative": alternative}
        for track, frames, main, alternative in _people(result, untracked)
    ]


def _people(
    result: dict[str, Any], untracked: Iterable[tuple[str, str]]
) -> Iterator[tuple[int | None, int, str, str]]:
    if "frames" not in result and "tracks" in result:
        for main, alternative in untracked:
            yield None, 1, main, alternative
        for track in result["tracks"]:
            yield int(track["id"]), int(track["frames"]), track["main"], track["alternative"]
        return
    if "frames" not in result:
        for face in result.get("faces", []):
            yield None, 1, face["main"], face["alternative"]
        return
    seen: dict[int, list[dict[str, Any]]] = {}
    for frame in result["frames"]:
        for face in frame.get("faces", []):
            track = face.get("track")
            if track is None:
                yield None, 1, face["main"], face["alternative"]
            else:
                seen.setdefault(int(track), []).append(face)
    tracks = {int(track["id"]): track for track in result.get("tracks", [])}
    for track_id, faces in sorted(seen.items()):
        track = tracks.get(track_id)
        if track is not None:
            yield track_id, len(faces), track["main"], track["alternative"]
        else:
            yield track_id, len(faces), *top_two_of_mean(faces)


def top_two_of_mean(faces: list[dict[str, Any]]) -> tuple[str, str]:
    """Main and alternative emotion of the mean probabilities of faces of the contract."""
    mean = np.array([[face["emotions"][e] for e in EMOTIONS] for face in faces]).mean(axis=0)
    order = np.argsort(-mean, kind="stable")
    return EMOTIONS[int(order[0])], EMOTIONS[int(order[1])]

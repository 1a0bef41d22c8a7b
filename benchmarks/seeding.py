"""Analyses recorded for the benchmarks through the write path the jobs use (create, claim,
finish), so that faces, people and the statistics rollups are all there, as in service."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Database,
    claim_analysis,
    create_analysis,
    finish_analysis,
    utcnow,
)
from emokognition.store.models import AnalysisRow

DAYS = 30
SOURCES = ("upload", "twitter", "mastodon")
CLASSIFIERS = ("emonet32-fer2013", "mini-xception-fer2013")
BATCH_FACES = 20_000  # faces per transaction


def seed(database: Database, faces: int, per_analysis: int, rng: random.Random) -> float:
    """Record `faces` faces in analyses spread over the last `DAYS` days; returns seconds."""
    started = time.perf_counter()
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    analyses = max(1, faces // per_analysis)
    span = timedelta(days=DAYS).total_seconds()
    per_batch = max(1, BATCH_FACES // per_analysis)
    for first in range(0, analyses, per_batch):
        with database.session() as session:
            for n in range(first, min(first + per_batch, analyses)):
                # Oldest first, as time goes: each analysis at its own moment of the span.
                at = now - timedelta(seconds=span * (1 - (n + rng.random()) / analyses))
                size = faces - per_analysis * (analyses - 1) if n == analyses - 1 else per_analysis
                _record(session, rng, at, size)
    return time.perf_counter() - started


def _record(session: Any, rng: random.Random, at: Any, faces: int) -> None:
    analysis = create_analysis(session=session, source=rng.choice(SOURCES), kind="image", now=at)
    job = claim_analysis(session=session, analysis_id=analysis.id, lease=60, max_attempts=3)
    if job is None:
        raise SystemExit(f"could not claim {analysis.id}")
    result = {
        "media": {"kind": "image", "width": 1280, "height": 720, "format": "jpeg"},
        "model": {"detector": "blazeface", "classifier": rng.choice(CLASSIFIERS)},
        "faces": [_face(rng) for _ in range(faces)],
        "summary": {"faces": faces},
    }
    if not finish_analysis(
        session=session, analysis_id=job.id, attempt=job.attempts, result=result
    ):
        raise SystemExit(f"could not finish {analysis.id}")


def _face(rng: random.Random) -> dict[str, Any]:
    raw = [rng.random() ** 3 for _ in EMOTIONS]
    emotions = {name: round(v / sum(raw), 4) for name, v in zip(EMOTIONS, raw, strict=True)}
    ranked = sorted(EMOTIONS, key=lambda name: -emotions[name])
    x, y = rng.randrange(1200), rng.randrange(640)
    return {
        "box": [x, y, 40, 40],
        "score": 0.9,
        "emotions": emotions,
        "main": ranked[0],
        "alternative": ranked[1],
    }


def some_ids(database: Database, n: int = 1000) -> list[str]:
    """Ids of `n` recorded analyses."""
    with database.session() as session:
        return list(session.scalars(select(AnalysisRow.id).limit(n)))

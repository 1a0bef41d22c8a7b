"""A writer of analyses as jobs write them (create, claim, finish, in their own transactions),
with deletes and re-runs of lost workers' jobs mixed in; for the concurrency tests, in a
thread or as a process: `python -m tests.store.writers URL SEED COUNT` prints its people.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

from emokognition.emotions import EMOTIONS
from emokognition.store import (
    Database,
    claim_analysis,
    create_analysis,
    delete_analysis,
    finish_analysis,
)
from tests.store.factories import face, image_result, track, video_result

# Two hours across midnight: every writer adds to the same few hour and day counts.
T0 = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)


def write(database: Database, seed: int, count: int) -> int:
    """Record `count` analyses (deleting every fourth again); returns the people kept."""
    rng = random.Random(seed)
    kept: list[tuple[str, int]] = []
    for n in range(count):
        result, people = _result(rng)
        at = T0 + timedelta(minutes=rng.randrange(120))
        source = rng.choice(("upload", "twitter"))
        with database.session() as session:
            analysis = create_analysis(session=session, source=source, kind="image", now=at)
        _run(database, analysis.id, result, lost=n % 5 == 0)
        kept.append((analysis.id, people))
        if n % 4 == 3:
            gone = kept.pop(rng.randrange(len(kept)))
            with database.session() as session:
                delete_analysis(session=session, analysis_id=gone[0])
    return sum(people for _, people in kept)


def _run(database: Database, analysis_id: str, result: dict[str, object], *, lost: bool) -> None:
    """Claim and finish; `lost`: a second worker takes the job over after the first one's
    lease ran out, and the first comes back with its result too late."""
    with database.session() as session:
        job = claim_analysis(session=session, analysis_id=analysis_id, lease=60, max_attempts=3)
        assert job is not None
    attempt = job.attempts
    if lost:
        later = datetime.now(UTC) + timedelta(minutes=2)
        with database.session() as session:
            again = claim_analysis(
                session=session, analysis_id=analysis_id, lease=60, max_attempts=3, now=later
            )
            assert again is not None
        with database.session() as session:
            assert not finish_analysis(
                session=session, analysis_id=analysis_id, attempt=attempt, result=result
            )
        attempt = again.attempts
    with database.session() as session:
        assert finish_analysis(
            session=session, analysis_id=analysis_id, attempt=attempt, result=result
        )


def _result(rng: random.Random) -> tuple[dict[str, object], int]:
    """A photo of 1-4 faces, or a video of 1-2 tracks seen in 2 frames; and its people."""
    pairs = [tuple(rng.sample(EMOTIONS, 2)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.5:
        return image_result([face(main, alternative) for main, alternative in pairs]), len(pairs)
    pairs = pairs[:2]
    frame = [face(m, a, track=i) for i, (m, a) in enumerate(pairs, start=1)]
    tracks = [track(i, m, a, frames=2) for i, (m, a) in enumerate(pairs, start=1)]
    return video_result([frame, frame], tracks=tracks), len(pairs)


if __name__ == "__main__":
    url, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    database = Database(url)
    sys.stdout.write(f"{write(database, seed, count)}\n")
    database.dispose()

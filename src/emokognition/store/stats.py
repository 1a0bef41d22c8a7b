"""The mood statistics: SQL aggregates over the people table (`store.people`): a photo's
faces, and a video's tracks once each, by main and by alternative emotion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.store.models import PersonRow
from emokognition.store.records import Stats


def get_stats(
    *,
    session: Session,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    classifier: str | None = None,
) -> Stats:
    """People counted by main and by alternative emotion: each face of a photo, each track
    of a video once (not each frame it is seen in).

    Args:
        source: Only people of analyses from this source.
        classifier: Only people classified by this classifier.
        since: Only analyses created at or after this (aware) time.
        until: Only analyses created before this (aware) time.
    """
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(PersonRow.source == source)
    if since is not None:
        where.append(PersonRow.created_at >= since)
    if until is not None:
        where.append(PersonRow.created_at < until)
    if classifier is not None:
        where.append(PersonRow.classifier == classifier)
    by_main = (
        select(literal("main").label("axis"), PersonRow.main.label("emotion"), func.count())
        .where(*where)
        .group_by(PersonRow.main)
    )
    by_alternative = (
        select(
            literal("alternative").label("axis"),
            PersonRow.alternative.label("emotion"),
            func.count(),
        )
        .where(*where)
        .group_by(PersonRow.alternative)
    )
    counts: dict[str, dict[str, int]] = {
        "main": dict.fromkeys(EMOTIONS, 0),
        "alternative": dict.fromkeys(EMOTIONS, 0),
    }
    for axis, emotion, n in session.execute(union_all(by_main, by_alternative)):
        if emotion in counts[axis]:
            counts[axis][emotion] = int(n)
    return Stats(
        faces=sum(counts["main"].values()),
        main=counts["main"],
        alternative=counts["alternative"],
    )

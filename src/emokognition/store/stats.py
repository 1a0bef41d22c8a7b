"""The mood statistics: people (a photo's faces, a video's tracks once each) by main and by
alternative emotion, read from the rollups (`store.rollups`), with the part of an hour at
either end of the range from the people rows (`store.ranges`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from emokognition.emotions import EMOTIONS
from emokognition.store.models import PersonRow, RollupRow
from emokognition.store.ranges import Piece, split_range
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
    counts: dict[str, dict[str, int]] = {
        "main": dict.fromkeys(EMOTIONS, 0),
        "alternative": dict.fromkeys(EMOTIONS, 0),
    }
    for piece in split_range(since, until):
        query = (
            _from_rows(piece, source, classifier)
            if piece.where == "rows"
            else _from_rollups(piece, source, classifier)
        )
        for axis, emotion, n in session.execute(query):
            if emotion in counts[axis]:
                counts[axis][emotion] += int(n)
    return Stats(
        faces=sum(counts["main"].values()),
        main=counts["main"],
        alternative=counts["alternative"],
    )


def rollup_filters(
    piece: Piece, source: str | None, classifier: str | None
) -> list[ColumnElement[bool]]:
    """The rollups of a piece's period in its range, of one source and classifier if given."""
    where: list[ColumnElement[bool]] = [RollupRow.period == piece.where]
    if piece.since is not None:
        where.append(RollupRow.start >= piece.since)
    if piece.until is not None:
        where.append(RollupRow.start < piece.until)
    if source is not None:
        where.append(RollupRow.source == source)
    if classifier is not None:
        where.append(RollupRow.classifier == classifier)
    return where


def people_filters(
    piece: Piece, source: str | None, classifier: str | None
) -> list[ColumnElement[bool]]:
    """The people of analyses created in a piece's range, of one source and classifier."""
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(PersonRow.source == source)
    if piece.since is not None:
        where.append(PersonRow.created_at >= piece.since)
    if piece.until is not None:
        where.append(PersonRow.created_at < piece.until)
    if classifier is not None:
        where.append(PersonRow.classifier == classifier)
    return where


def _from_rollups(piece: Piece, source: str | None, classifier: str | None) -> Any:
    return (
        select(RollupRow.axis, RollupRow.emotion, func.sum(RollupRow.tally))
        .where(
            *rollup_filters(piece, source, classifier),
            RollupRow.axis.in_(("main", "alternative")),
        )
        .group_by(RollupRow.axis, RollupRow.emotion)
    )


def _from_rows(piece: Piece, source: str | None, classifier: str | None) -> Any:
    where = people_filters(piece, source, classifier)
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
    return union_all(by_main, by_alternative)

"""/api/v1/landmarks: what the landmark bot recognised in the pictures it was sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from emokognition.store import SourcePost, list_landmarks
from emokognition.web.deps import ServiceDep
from emokognition.web.security import ReadAccess

router = APIRouter(tags=["bot"])


class LandmarkItem(BaseModel):
    """One picture of a post: the landmark seen (name None when none was recognised)."""

    source: str
    post_id: str
    media_key: str
    name: str | None
    score: float | None
    mid: str | None
    created_at: datetime
    reply_id: str | None

    @classmethod
    def of(cls, post: SourcePost) -> LandmarkItem:
        landmark = post.landmark or {}
        return cls(
            source=post.source,
            post_id=post.post_id,
            media_key=post.media_key,
            name=landmark.get("name"),
            score=landmark.get("score"),
            mid=landmark.get("mid"),
            created_at=post.created_at,
            reply_id=post.reply_id,
        )


class LandmarkList(BaseModel):
    items: list[LandmarkItem]
    limit: int
    offset: int


@router.get("/landmarks", summary="The landmark bot's results", dependencies=[ReadAccess])
def get_landmarks(
    service: ServiceDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LandmarkList:
    """Newest first, from `source` ("twitter", "mastodon") or from all."""
    with service.context.database.session() as session:
        posts = list_landmarks(session=session, source=source, limit=limit, offset=offset)
    return LandmarkList(items=[LandmarkItem.of(p) for p in posts], limit=limit, offset=offset)

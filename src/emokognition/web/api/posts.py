"""/api/v1/posts and /api/v1/landmarks: the social posts whose pictures the bot recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from emokognition.app import SourcePost
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


class PostItem(BaseModel):
    """One picture of a post: its emotion analysis, or its landmark (the landmark bot)."""

    source: str
    post_id: str
    media_key: str
    analysis_id: str | None
    landmark: dict[str, Any] | None
    created_at: datetime
    reply_id: str | None

    @classmethod
    def of(cls, post: SourcePost) -> PostItem:
        return cls(
            source=post.source,
            post_id=post.post_id,
            media_key=post.media_key,
            analysis_id=post.analysis_id,
            landmark=post.landmark,
            created_at=post.created_at,
            reply_id=post.reply_id,
        )


class PostList(BaseModel):
    items: list[PostItem]
    limit: int
    offset: int


Source = Annotated[str | None, Query(max_length=64, description="twitter, mastodon; all if absent")]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/posts", summary="Recorded post pictures", dependencies=[ReadAccess])
def get_posts(
    service: ServiceDep, source: Source = None, limit: Limit = 20, offset: Offset = 0
) -> PostList:
    """Newest first: which analysis (or landmark) each post's picture has, and the reply."""
    posts = service.posts(source=source, limit=limit, offset=offset)
    return PostList(items=[PostItem.of(p) for p in posts], limit=limit, offset=offset)


@router.get("/landmarks", summary="The landmark bot's results", dependencies=[ReadAccess])
def get_landmarks(
    service: ServiceDep, source: Source = None, limit: Limit = 20, offset: Offset = 0
) -> LandmarkList:
    """Newest first; `name` is None where no landmark was recognised."""
    posts = service.posts(source=source, landmarks_only=True, limit=limit, offset=offset)
    return LandmarkList(items=[LandmarkItem.of(p) for p in posts], limit=limit, offset=offset)

"""The JSON API under /api/v1: a router per resource, gathered here."""

from fastapi import APIRouter

from emokognition.web.api import analyses, exports, posts, stats, streams
from emokognition.web.schemas import error_responses

api_router = APIRouter(prefix="/api/v1", responses=error_responses(401, 422, 503))
api_router.include_router(analyses.router)
api_router.include_router(stats.router)
api_router.include_router(posts.router)
api_router.include_router(exports.router)
api_router.include_router(streams.router)

__all__ = ["api_router"]

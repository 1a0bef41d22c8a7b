"""HTML pages (Jinja2 templates in web/templates, assets in web/static), one module per page:
the mood dashboard, the list of analyses, one analysis, a live stream, the upload form, stored
media, sign-in for private reads, and the API documentation."""

from fastapi import APIRouter

from emokognition.web.pages import (
    access,
    analyses,
    analysis,
    dashboard,
    docs,
    media,
    streams,
    upload,
)

pages_router = APIRouter(include_in_schema=False)
for _module in (dashboard, analyses, analysis, media, upload, access, streams, docs):
    pages_router.include_router(_module.router)

__all__ = ["pages_router"]

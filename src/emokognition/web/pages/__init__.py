"""HTML pages (Jinja2 templates in web/templates, assets in web/static), one module per page:
the mood dashboard, one analysis, the upload form, stored media, sign-in for private reads, and
the API documentation."""

from fastapi import APIRouter

from emokognition.web.pages import access, analysis, dashboard, docs, media, upload

pages_router = APIRouter(include_in_schema=False)
for _module in (dashboard, analysis, media, upload, access, docs):
    pages_router.include_router(_module.router)

__all__ = ["pages_router"]

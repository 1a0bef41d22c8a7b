"""HTML pages (Jinja2 templates in web/templates): for now a placeholder home page.

The mood dashboard, one analysis, and the upload form come here, one module per page.
"""

from fastapi import APIRouter

from emokognition.web.pages import home

pages_router = APIRouter(include_in_schema=False)
pages_router.include_router(home.router)

__all__ = ["pages_router"]

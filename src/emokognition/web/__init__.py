"""The web service: JSON API under /api/v1, /health, /metrics, HTML pages."""

from emokognition.web.app import create_app

__all__ = ["create_app"]

"""The web service: JSON API under /api/v1, /health, /metrics, HTML pages."""

from emokognition.extras import require

require("emokognition.web", "service")

from emokognition.web.app import create_app  # noqa: E402  (after the check that names the extra)

__all__ = ["create_app"]

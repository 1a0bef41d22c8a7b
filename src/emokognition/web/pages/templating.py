"""The Jinja2 environment of the pages: templates shipped in the package."""

from __future__ import annotations

from importlib.resources import files

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(files("emokognition.web") / "templates"))

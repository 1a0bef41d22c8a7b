"""The optional parts of emokognition and the extras that install them (pyproject.toml).

The base install is the command line's analyze, watch and eval and the Python API. A command or
option that needs more checks for its extra where it starts, so its user reads one line naming
what to install instead of a traceback ending in `No module named 'fastapi'`.
"""

from __future__ import annotations

import importlib.util

from emokognition.errors import MissingExtra

EXTRAS: dict[str, tuple[str, ...]] = {
    "service": (
        "fastapi",
        "uvicorn",
        "python_multipart",
        "jinja2",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "celery",
        "redis",
        "prometheus_client",
    ),
    "bot": ("oauthlib", "google.auth"),
    "dlib": ("dlib",),
    "ray": ("ray",),
    "plot": ("matplotlib",),
    "pandas": ("pandas",),
    "parquet": ("pandas", "pyarrow"),
}
"""Each extra -> the modules it installs that our code imports."""


def installed(module: str) -> bool:
    """Whether `module` can be imported, without importing it (its parents are imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package of a dotted name
        return False


def require(what: str, *extras: str) -> None:
    """Check that `extras` are installed before `what` runs.

    Raises:
        MissingExtra: The first extra with a module missing, named for `pip install`.
    """
    for extra in extras:
        if not all(installed(module) for module in EXTRAS[extra]):
            raise MissingExtra(what, extra)


__all__ = ["EXTRAS", "installed", "require"]

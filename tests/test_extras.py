"""The base install and its extras: what `import emokognition` and a photo's analysis pull in,
and the one line a command prints when its extra is missing.

Here every extra is installed (`make test` installs `.[all,dev]`), so a missing one is played by
an import hook that refuses its modules in a subprocess; tests/test_wheel.py checks the same
commands in a real base install.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from emokognition.extras import EXTRAS, installed
from tests.shared import REPO, SAMPLE_PHOTO, VIDEOS

HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "celery", "matplotlib")
"""Packages of the extras that the base install's analysis must never import."""

# `import emokognition`, the API on the sample photo, then the CLI's analyze on it: what each
# step left in sys.modules, as one line per step.
_IMPORTS = textwrap.dedent(
    """
    import sys
    heavy = sys.argv[1].split(",")

    def loaded():
        print(",".join(sorted(name for name in heavy if name in sys.modules)))

    import emokognition
    loaded()
    result = emokognition.analyze_image(sys.argv[2])
    assert result.faces, "the sample photo has a face"
    loaded()
    from emokognition.cli import main
    assert main(["analyze", sys.argv[2], "--format", "json"]) == 0
    loaded()
    """
)


def test_base_analysis_imports_no_service_or_plots() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _IMPORTS, ",".join(HEAVY), str(SAMPLE_PHOTO)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    lines = run.stdout.splitlines()
    after_import, after_api, after_cli = lines[0], lines[1], lines[-1]
    assert (after_import, after_api, after_cli) == ("", "", ""), run.stdout


def test_extras_match_pyproject() -> None:
    """`EXTRAS` names the extras of pyproject.toml; `all` installs each; they are installed."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert set(extras) == set(EXTRAS) | {"all", "dev"}
    (everything,) = extras["all"]
    assert everything == f"emokognition[{','.join(sorted(EXTRAS, key=list(extras).index))}]"
    base = " ".join(project["dependencies"])
    for heavy in ("fastapi", "sqlalchemy", "celery", "matplotlib", "dlib", "ray", "google"):
        assert heavy not in base
    for extra, modules in EXTRAS.items():
        assert all(installed(module) for module in modules), extra


def test_installed_answers_for_dotted_names_without_importing() -> None:
    assert installed("google.auth")
    assert not installed("no_such_package.sub")
    assert not installed("no_such_package")


# The CLI with some top-level packages made unimportable, as in an install without their extra.
_WITHOUT = textwrap.dedent(
    """
    import importlib.abc
    import sys

    blocked = set(sys.argv[1].split(","))

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in blocked:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Missing())
    from emokognition.cli import main

    sys.exit(main(sys.argv[2:]))
    """
)

_VIDEO = str(VIDEOS / "woman_talking.mp4")


@pytest.mark.parametrize(
    ("blocked", "argv", "what", "extra"),
    [
        ("fastapi", ["serve", "--port", "0"], "emokognition serve", "service"),
        ("celery", ["worker"], "emokognition worker", "service"),
        ("sqlalchemy", ["db", "current"], "emokognition db", "service"),
        ("alembic", ["db", "upgrade"], "emokognition db", "service"),
        ("oauthlib", ["daemon", "--source", "mastodon", "--once"], "emokognition daemon", "bot"),
        ("fastapi", ["daemon", "--source", "mastodon", "--once"], "emokognition daemon", "service"),
        ("dlib", ["analyze", str(SAMPLE_PHOTO), "-d", "dlib"], "the dlib detector", "dlib"),
        ("matplotlib", ["analyze", _VIDEO, "--plot", "plot.png"], "--plot", "plot"),
        ("ray", ["analyze", _VIDEO, "--backend", "ray"], "the ray backend", "ray"),
        ("pyarrow", ["analyze", str(SAMPLE_PHOTO), "-f", "parquet"], "--format parquet", "parquet"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(
    blocked: str, argv: list[str], what: str, extra: str, tmp_path: Path
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _WITHOUT, blocked, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr == (
        f"error: {what} needs the {extra} extra: pip install 'emokognition[{extra}]'\n"
    )
    assert run.stdout == ""

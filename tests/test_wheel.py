"""The package as users get it: the sdist and the wheel built, the wheel installed WITHOUT extras
into a fresh virtual environment (from the configured pip index), and `emokognition analyze` run
there on the sample photo the wheel carries; the commands of the extras say what to install.

Slow (a build and a base install, about a minute or two), and part of `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.shared import REPO, VIDEOS
from tests.test_extras import _IMPORTS, HEAVY

pytestmark = pytest.mark.wheel

# What the wheel must carry besides the code: path prefixes inside it, and how many at least.
_DATA = {
    "emokognition/vision/models/": 3,  # the ONNX models, their notice and card
    "emokognition/vision/samples/grace_hopper.jpg": 1,
    "emokognition/web/templates/": 1,
    "emokognition/web/static/": 1,
    "emokognition/store/migrations/env.py": 1,
    "emokognition/store/migrations/versions/0001_initial.py": 1,
    "emokognition/py.typed": 1,
}


@dataclass(frozen=True)
class BaseInstall:
    wheel: Path
    sdist: Path
    venv: Path
    home: Path  # cwd and HOME of the commands, outside the repository

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
        }
        return subprocess.run(
            list(argv), capture_output=True, text=True, cwd=self.home, env=env, check=check
        )

    def emokognition(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "emokognition"), *argv, check=False)

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseInstall]:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # The sdist first, then the wheel built from it, each in an isolated build environment.
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (wheel,) = dist.glob("emokognition-*.whl")
    (sdist,) = dist.glob("emokognition-*.tar.gz")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    home = root / "home"
    home.mkdir()
    yield BaseInstall(wheel, sdist, venv, home)


def test_the_wheel_carries_the_models_pages_and_migrations(
    base: BaseInstall, record_property: Callable[[str, object], None]
) -> None:
    record_property("wheel_bytes", base.wheel.stat().st_size)
    names = zipfile.ZipFile(base.wheel).namelist()
    for prefix, least in _DATA.items():
        assert sum(name.startswith(prefix) for name in names) >= least, prefix
    assert sum(name.endswith(".onnx") for name in names) >= 2
    with tarfile.open(base.sdist) as sdist:
        members = sdist.getnames()
    assert any(name.endswith("vision/samples/grace_hopper.jpg") for name in members)
    assert any(name.endswith("pyproject.toml") for name in members)


def test_the_base_install_has_no_extras(base: BaseInstall) -> None:
    listed = base.run(base.python, "-m", "pip", "list", "--format", "freeze").stdout.lower()
    installed = {line.partition("==")[0] for line in listed.splitlines()}
    assert {"numpy", "onnxruntime", "opencv-python-headless", "pillow", "av"} <= installed
    extras = {"fastapi", "sqlalchemy", "celery", "matplotlib", "dlib-bin", "ray", "pandas"}
    assert not installed & extras, installed & extras
    assert not any(name.startswith("google") for name in installed)


def _sample(base: BaseInstall) -> str:
    """The sample photo inside the installed package (not the repository's copy)."""
    out = base.run(
        base.python,
        "-c",
        "import emokognition, pathlib; "
        "print(pathlib.Path(emokognition.__file__).parent / 'vision/samples/grace_hopper.jpg')",
    ).stdout.strip()
    assert out.startswith(str(base.venv)), out
    return out


def test_analyze_runs_in_the_base_install(base: BaseInstall) -> None:
    import json

    run = base.emokognition("analyze", _sample(base), "--format", "json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert len(result["faces"]) == 1
    assert result["faces"][0]["main"] in result["faces"][0]["emotions"]
    table = base.emokognition("analyze", _sample(base))
    assert table.returncode == 0, table.stderr


def test_import_and_analysis_pull_no_service_or_plots(base: BaseInstall) -> None:
    run = base.run(base.python, "-c", _IMPORTS, ",".join(HEAVY), _sample(base))
    lines = run.stdout.splitlines()
    assert (lines[0], lines[1], lines[-1]) == ("", "", ""), run.stdout


@pytest.mark.parametrize(
    ("argv", "what", "extra"),
    [
        (["serve"], "emokognition serve", "service"),
        (["worker"], "emokognition worker", "service"),
        (["db", "current"], "emokognition db", "service"),
        (["daemon", "--source", "mastodon", "--once"], "emokognition daemon", "bot"),
        (["analyze", "{sample}", "-d", "dlib"], "the dlib detector", "dlib"),
        (["analyze", "{video}", "--plot", "plot.png"], "--plot", "plot"),
        (["analyze", "{video}", "--backend", "ray"], "the ray backend", "ray"),
        (["analyze", "{sample}", "-f", "parquet"], "--format parquet", "parquet"),
    ],
)
def test_each_extra_is_named_when_missing(
    base: BaseInstall, argv: list[str], what: str, extra: str
) -> None:
    paths = {"sample": _sample(base), "video": str(VIDEOS / "woman_talking.mp4")}
    run = base.emokognition(*(arg.format(**paths) for arg in argv))
    assert run.returncode == 2, run.stderr
    assert run.stderr == (
        f"error: {what} needs the {extra} extra: pip install 'emokognition[{extra}]'\n"
    )

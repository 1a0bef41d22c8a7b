"""Shared fixtures: real databases (a fresh PostgreSQL database per run), settings, the app,
a media server on 127.0.0.1, and `emokognition serve` / `worker` processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from emokognition.config import Settings
from emokognition.store import Database, upgrade
from emokognition.web import create_app
from tests.servers import LocalServer
from tests.services import server_url, start_postgres, start_rabbitmq, start_redis
from tests.shared import PHOTOS, SAMPLE_PHOTO, VIDEOS

GROUP_PHOTO = PHOTOS / "2007_007763.jpg"  # 500x375, 7 labelled faces
_TABLES = ("rollups", "frames", "faces", "source_posts", "cursors", "analyses", "media", "workers")


# --- servers: the ones named in the environment, else throwaway ones (tests/services.py) -------


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL superuser URL: EMOKOGNITION_TEST_POSTGRES, else a server of this run's own."""
    folder = tmp_path_factory.mktemp("postgres")
    yield from server_url("EMOKOGNITION_TEST_POSTGRES", start_postgres, folder)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL: EMOKOGNITION_TEST_REDIS, else a server of this run's own."""
    yield from server_url("EMOKOGNITION_TEST_REDIS", start_redis, tmp_path_factory.mktemp("redis"))


@pytest.fixture(scope="session")
def rabbitmq_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An AMQP URL: EMOKOGNITION_TEST_RABBITMQ, else a node of this run's own."""
    folder = tmp_path_factory.mktemp("rabbitmq")
    yield from server_url("EMOKOGNITION_TEST_RABBITMQ", start_rabbitmq, folder)


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped at the end."""
    name = f"emokognition_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    upgrade(database)
    database.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(_TABLES)} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that uses it runs twice: on a SQLite file and on the (emptied) PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'emokognition.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database on both backends."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


# --- settings, app ---------------------------------------------------------------------------


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No EMOKOGNITION_* (or original) variable of the caller's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("EMOKOGNITION_") or name == "POSTGRES_APPLICATION_CONFIG":
            monkeypatch.delenv(name)


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, clean_environ: None) -> SettingsFactory:
    """Settings on the test's database and data folder; keywords override fields."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "sync_timeout": 30.0,
            "inline_workers": 2,
            "threads": 1,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the real app (lifespan run: migrated, jobs started)."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def photo() -> bytes:
    """A small real photo with one face (512x600 JPEG)."""
    return SAMPLE_PHOTO.read_bytes()


@pytest.fixture(scope="session")
def video() -> bytes:
    """A short real video: one woman talking, 596x336, 4.6 s."""
    return (VIDEOS / "woman_talking.mp4").read_bytes()


@pytest.fixture(scope="session")
def live_segments() -> list[bytes]:
    """120 MPEG-TS segments of 0.5 s (60 s at 10 fps) of a woman talking to the camera,
    596x336: what `tests.video.live.streams` publishes as a live stream on 127.0.0.1."""
    from tests.video.live.streams import encode_segments
    from tests.video.media import WOMAN, read_frames

    return encode_segments(read_frames(WOMAN, 40, step=2), 120)


@pytest.fixture(scope="session")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """80 s of a woman talking (20 real frames over and over) at 25 fps: 400 frames at the
    jobs' 5 fps, long enough to stop a job in the middle of it."""
    from tests.video.media import WOMAN, read_frames, write_video

    frames = read_frames(WOMAN, 20, step=2)
    folder = tmp_path_factory.mktemp("long-video")
    return write_video(folder / "long.mp4", frames * 100, keyframe_every=50).read_bytes()


@pytest.fixture(scope="session")
def group_photo() -> bytes:
    """A real group photo (500x375 JPEG, 7 labelled faces)."""
    return GROUP_PHOTO.read_bytes()


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def poll_done(client: TestClient | httpx.Client, analysis_id: str, timeout: float = 30) -> Any:
    """GET an analysis until it is finished; returns its JSON."""
    body: dict[str, Any] = {}

    def finished() -> bool:
        nonlocal body
        body = client.get(f"/api/v1/analyses/{analysis_id}").json()
        return body.get("status") in ("done", "failed")

    wait_until(finished, timeout=timeout, what=f"analysis {analysis_id}")
    return body


# --- a media server on 127.0.0.1 (the seam for URL downloads) --------------------------------


class MediaServer(LocalServer):
    """Serves /photo.jpg, /group.jpg, /text.txt; /stall/<any>.jpg holds the answer until
    `release()`; /redirect?to=<path> answers 302. Counts hits per path."""

    def __init__(self, photo: bytes, group: bytes) -> None:
        super().__init__()
        self.files = {"/photo.jpg": photo, "/group.jpg": group, "/text.txt": b"not media"}
        self.hits: Counter[str] = Counter()
        self.stalled: Counter[str] = Counter()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def release(self) -> None:
        """Let stalled requests (and all later ones) through."""
        self._release.set()

    def hold(self) -> None:
        """Stall /stall/ requests again."""
        self._release.clear()

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = request.path.split("?")[0]
        with self._lock:
            self.hits[path] += 1
        if path.startswith("/redirect"):
            target = request.path.split("to=", 1)[-1]
            request.send_response(302)
            request.send_header("Location", target)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if path.startswith("/stall/"):
            with self._lock:
                self.stalled[path] += 1
            while not self._release.wait(0.05):
                if self._closing.is_set():
                    return
            path = "/photo.jpg"
        body = self.files.get(path)
        if body is None:
            request.send_response(404)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


@pytest.fixture
def media_server(photo: bytes, group_photo: bytes) -> Iterator[MediaServer]:
    with MediaServer(photo, group_photo) as server:
        yield server


# --- `emokognition serve` and `emokognition worker` processes --------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Process:
    """An `emokognition` command in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self._handle = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "emokognition", *args],
            env=env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float = 60) -> None:
        def seen() -> bool:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.args[0]} exited early:\n{self.output()[-3000:]}")
            return needle in self.output()

        wait_until(seen, timeout=timeout, what=f"{needle!r} from {' '.join(self.args)}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, no acknowledgement, nothing."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._handle.close()


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a subprocess these settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EMOKOGNITION_") and k != "POSTGRES_APPLICATION_CONFIG"
    }
    fields = {
        "data_dir": str(settings.data_dir),
        "database_url": settings.database_url,
        "jobs": settings.jobs,
        "broker_url": settings.broker_url,
        "celery_queue": settings.celery_queue,
        "inline_workers": str(settings.inline_workers),
        "inline_queue": str(settings.inline_queue),
        "job_lease": str(settings.job_lease),
        "job_attempts": str(settings.job_attempts),
        "broker_visibility_timeout": str(settings.broker_visibility_timeout),
        "allow_private_urls": str(settings.allow_private_urls).lower(),
        "sync_timeout": str(settings.sync_timeout),
        "threads": str(settings.threads),
        "max_streams": str(settings.max_streams),
        "stream_max_seconds": str(settings.stream_max_seconds),
        "stream_timeout": str(settings.stream_timeout),
        "stream_backoff_base": str(settings.stream_backoff_base),
        "stream_backoff_max": str(settings.stream_backoff_max),
        "stream_reconnect_tries": str(settings.stream_reconnect_tries),
    }
    env.update({f"EMOKOGNITION_{k.upper()}": v for k, v in fields.items()})
    env.update(extra)
    return env


ProcessFactory = Callable[..., Process]


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[ProcessFactory]:
    """Start `emokognition ...` processes; all are stopped at the end of the test."""
    started: list[Process] = []

    def start(args: list[str], settings: Settings, name: str) -> Process:
        process = Process(args, service_env(settings), tmp_path / f"{name}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(timeout=3)

"""Concurrent calls to a real server: 50 uploads give 50 results, not a row lost or doubled;
sync calls waiting for their results hold no server thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from emokognition.config import Settings
from emokognition.store import Database
from emokognition.store.models import AnalysisRow, FaceRow
from emokognition.web import create_app
from tests.conftest import MediaServer, SettingsFactory, free_port, wait_until

UPLOADS = 50


@pytest.fixture
def server(make_settings: SettingsFactory) -> Iterator[tuple[str, Settings]]:
    settings = make_settings(inline_workers=2, inline_queue=UPLOADS, sync_timeout=120.0)
    yield from _serve(settings)


def _serve(settings: Settings) -> Iterator[tuple[str, Settings]]:
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=free_port(),
        log_config=None,
        access_log=False,
        limit_concurrency=UPLOADS * 2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=30, what="uvicorn")
    yield f"http://127.0.0.1:{config.port}", settings
    server.should_exit = True
    thread.join(30)


async def _upload_all(base: str, photos: list[bytes]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=UPLOADS)
    async with httpx.AsyncClient(base_url=base, timeout=180, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/api/v1/analyses",
                    params={"mode": "sync"},
                    files={"file": (f"{i}.jpg", photo, "image/jpeg")},
                    data={"source": f"load{i % 5}"},
                )
                for i, photo in enumerate(photos)
            )
        )


def test_fifty_concurrent_uploads(
    server: tuple[str, Settings], photo: bytes, group_photo: bytes
) -> None:
    base, settings = server
    photos = [photo if i % 2 else group_photo for i in range(UPLOADS)]
    responses = asyncio.run(_upload_all(base, photos))
    assert [r.status_code for r in responses] == [200] * UPLOADS, responses[0].text
    bodies = [r.json() for r in responses]
    assert len({body["id"] for body in bodies}) == UPLOADS
    assert {body["status"] for body in bodies} == {"done"}
    database = Database(settings.database_url)
    with database.session() as session:
        analyses = session.scalar(select(func.count()).select_from(AnalysisRow))
        faces = session.scalar(select(func.count()).select_from(FaceRow))
        per_analysis = dict(
            session.execute(
                select(FaceRow.analysis_id, func.count()).group_by(FaceRow.analysis_id)
            ).all()
        )
    database.dispose()
    assert analyses == UPLOADS
    assert faces == sum(body["faces"] for body in bodies)
    assert per_analysis == {body["id"]: body["faces"] for body in bodies if body["faces"]}
    stats = httpx.get(f"{base}/api/v1/stats").json()
    assert stats["faces"] == faces


WAITING = 48  # more than the 40 threads AnyIO lends a server's blocking calls


def test_waiting_sync_calls_hold_no_server_thread(
    make_settings: SettingsFactory, media_server: MediaServer
) -> None:
    """48 sync calls wait on downloads that stall: every other route still answers at once."""
    settings = make_settings(
        inline_workers=2, inline_queue=UPLOADS, sync_timeout=120.0, allow_private_urls=True
    )
    serving = _serve(settings)
    base, _ = next(serving)

    async def scenario() -> tuple[list[httpx.Response], list[int]]:
        limits = httpx.Limits(max_connections=WAITING + 8)
        async with httpx.AsyncClient(base_url=base, timeout=180, limits=limits) as client:
            calls = [
                asyncio.create_task(
                    client.post(
                        "/api/v1/analyses",
                        params={"mode": "sync"},
                        json={"url": media_server.url(f"/stall/{i}.jpg")},
                    )
                )
                for i in range(WAITING)
            ]
            await asyncio.to_thread(
                wait_until, lambda: _analyses(settings) == WAITING, timeout=60, what="submits"
            )
            # All are waiting now; with a thread each they would have taken the pool.
            others = [
                (await client.get(path, timeout=10)).status_code
                for path in ("/health", "/api/v1/analyses", "/api/v1/stats", "/")
            ]
            media_server.release()
            return await asyncio.gather(*calls), others

    try:
        responses, others = asyncio.run(scenario())
    finally:
        media_server.release()
        next(serving, None)
    assert others == [200, 200, 200, 200]
    assert [r.status_code for r in responses] == [200] * WAITING
    assert {r.json()["status"] for r in responses} == {"done"}


def _analyses(settings: Settings) -> int:
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            return int(session.scalar(select(func.count()).select_from(AnalysisRow)) or 0)
    finally:
        database.dispose()

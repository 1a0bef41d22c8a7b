"""Alembic: the migrations build exactly the tables of the models, up and down, concurrently."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, text

from emokognition.config import Settings
from emokognition.store import Database, head_revision, upgrade
from emokognition.store.migrate import current_revision, downgrade
from emokognition.store.models import Base
from tests.store.factories import face, image_result, recorded


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_down_and_up_again(database: Database) -> None:
    downgrade(database, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(database)
    assert {"analyses", "faces", "source_posts", "cursors"} <= set(
        inspect(database.engine).get_table_names()
    )


def test_faces_recorded_before_0003_belong_to_the_classifier_of_the_time(
    database: Database,
) -> None:
    downgrade(database, "0002")
    probabilities = ", ".join(["0.1"] * 6 + ["0.4"])
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO analyses (id, status, source, created_at, attempts) "
                "VALUES ('a' || hex(randomblob(15)), 'done', 'upload', '2026-01-01', 1)"
                if database.dialect == "sqlite"
                else "INSERT INTO analyses (id, status, source, created_at, attempts) "
                "VALUES (md5(random()::text), 'done', 'upload', '2026-01-01', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO faces (analysis_id, source, created_at, position, x, y, w, h, score, "
                "main, alternative, angry, disgusted, fearful, happy, sad, surprised, neutral) "
                f"SELECT id, 'upload', '2026-01-01', 0, 1, 2, 3, 4, 0.9, 'neutral', 'angry', "
                f"{probabilities} FROM analyses"
            )
        )
    upgrade(database)
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT classifier FROM faces")).all()
        analyses = connection.execute(text("SELECT classifier FROM analyses")).all()
    assert rows == [("mini-xception-fer2013",)]
    assert analyses == [(None,)]  # asked for nothing: the default of the time


def test_faces_recorded_before_0004_are_counted_as_people(database: Database) -> None:
    """A photo's faces one each; a video's track once, by its mean; untracked faces once."""
    downgrade(database, "0003")
    columns = (
        "analysis_id, source, created_at, position, track, x, y, w, h, score, main, "
        "alternative, angry, disgusted, fearful, happy, sad, surprised, neutral, classifier"
    )
    # Track 1: fearful in two frames, happy in one by far: happy over the video.
    faces = [
        ("photo", None, "happy", "sad", "0, 0, 0, 0.6, 0.4, 0, 0"),
        ("photo", None, "sad", "happy", "0, 0, 0, 0.4, 0.6, 0, 0"),
        ("video", 1, "fearful", "happy", "0, 0, 0.5, 0.45, 0, 0, 0.05"),
        ("video", 1, "fearful", "happy", "0, 0, 0.5, 0.45, 0, 0, 0.05"),
        ("video", 1, "happy", "fearful", "0, 0, 0.05, 0.9, 0, 0, 0.05"),
        ("video", None, "angry", "neutral", "0.9, 0, 0, 0, 0, 0, 0.1"),
    ]
    with database.engine.begin() as connection:
        for analysis in ("photo", "video"):
            connection.execute(
                text(
                    "INSERT INTO analyses (id, status, source, created_at, attempts) "
                    f"VALUES ('{analysis}', 'done', 'upload', '2026-01-01', 1)"
                )
            )
        for analysis, track, main, alternative, probabilities in faces:
            connection.execute(
                text(
                    f"INSERT INTO faces ({columns}) VALUES ('{analysis}', 'upload', "
                    f"'2026-01-01', 0, :track, 1, 2, 3, 4, 0.9, '{main}', '{alternative}', "
                    f"{probabilities}, 'mini-xception-fer2013')"
                ),
                {"track": track},
            )
    upgrade(database)
    with database.engine.connect() as connection:
        people = connection.execute(
            text(
                "SELECT analysis_id, track, frames, main, alternative, classifier FROM people "
                "ORDER BY analysis_id, main"
            )
        ).all()
    model = "mini-xception-fer2013"
    assert [tuple(row) for row in people] == [
        ("photo", None, 1, "happy", "sad", model),
        ("photo", None, 1, "sad", "happy", model),
        ("video", None, 1, "angry", "neutral", model),
        ("video", 1, 3, "happy", "fearful", model),
    ]


class _Interrupted(Exception):
    pass


def test_a_migration_that_fails_half_way_leaves_nothing_and_upgrade_works_after(
    tmp_path: Path,
) -> None:
    """Failing at the last migration's first statement (as a kill would) rolls back every
    table of the earlier ones too: the next start migrates from scratch."""
    database = Database(f"sqlite:///{tmp_path / 'first-start.sqlite3'}")

    def interrupt(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "CREATE TABLE people" in statement:
            raise _Interrupted(statement)

    event.listen(database.engine, "before_cursor_execute", interrupt)
    with pytest.raises(_Interrupted):
        upgrade(database)
    event.remove(database.engine, "before_cursor_execute", interrupt)
    assert inspect(database.engine).get_table_names() == []
    upgrade(database)
    with database.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    database.dispose()


def test_a_process_killed_during_its_first_migration_leaves_a_database_upgrade_can_migrate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.sqlite3"
    script = (
        "import os, signal, sys\n"
        "from sqlalchemy import event\n"
        "from emokognition.store import Database, upgrade\n"
        "database = Database(sys.argv[1])\n"
        "def kill(_c, _k, statement, *_):\n"
        "    if 'CREATE TABLE people' in statement:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "event.listen(database.engine, 'before_cursor_execute', kill)\n"
        "upgrade(database)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, f"sqlite:///{path}"], check=False)
    assert killed.returncode == -9
    done = subprocess.run(
        [sys.executable, "-m", "emokognition", "db", "upgrade"],
        capture_output=True,
        text=True,
        check=False,
        env={**_environ(), "EMOKOGNITION_DATABASE_URL": f"sqlite:///{path}"},
    )
    assert done.returncode == 0, done.stderr
    assert f"revision {head_revision()}" in done.stdout


def test_concurrent_upgrades_of_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    def migrate(_: int) -> str | None:
        database = Database(url)
        upgrade(database)
        with database.engine.connect() as connection:
            revision = current_revision(connection)
        database.dispose()
        return revision

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(migrate, range(4))) == {head_revision()}


def test_postgres_application_config_file_names_the_database(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original bot's JSON file works instead of EMOKOGNITION_DATABASE_URL."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    config = tmp_path / "postgres.json"
    config.write_text(
        json.dumps(
            {
                "host": url.host,
                "port": url.port or 5432,
                "user": url.username,
                "password": url.password or "",
                "dbname": url.database,
            }
        )
    )
    monkeypatch.setenv("POSTGRES_APPLICATION_CONFIG", str(config))
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert make_url(settings.database_url).database == url.database
    # and the CLI, in a process of its own, migrates and reports the same database
    done = subprocess.run(
        [sys.executable, "-m", "emokognition", "db", "upgrade"],
        capture_output=True,
        text=True,
        check=True,
        env={**_environ(), "POSTGRES_APPLICATION_CONFIG": str(config)},
    )
    assert f"revision {head_revision()}" in done.stdout and str(url.database) in done.stdout


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5/d", "postgresql+psycopg://u:p@h:5/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_database_urls_get_the_psycopg_driver(given: str, expected: str) -> None:
    assert Settings(database_url=given).database_url == expected


def test_default_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'emokognition.sqlite3'}"
    assert settings.media_dir == tmp_path / "media"


def _environ() -> dict[str, str]:
    import os

    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EMOKOGNITION_") and k != "POSTGRES_APPLICATION_CONFIG"
    }


def test_media_stored_before_0007_get_their_rows(database: Database) -> None:
    downgrade(database, "0004")
    digest = "ab" * 32
    with database.engine.begin() as connection:
        for n, created in enumerate(("2026-01-02", "2026-01-01")):
            connection.execute(
                text(
                    "INSERT INTO analyses (id, status, source, created_at, attempts, "
                    "media_sha256) VALUES (:id, 'done', 'upload', :created, 1, :sha)"
                ),
                {"id": f"{n:032x}", "created": created, "sha": digest},
            )
    upgrade(database)
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT sha256, stored_at, used_at FROM media")).all()
    assert [(sha, str(stored)[:10], str(used)[:10]) for sha, stored, used in rows] == [
        (digest, "2026-01-01", "2026-01-02")
    ]


def test_migrating_down_and_up_keeps_every_face(database: Database) -> None:
    """SQLite alters a table by copying and dropping it: with foreign keys on, dropping
    `analyses` would delete the faces and people that point at it (ON DELETE CASCADE)."""
    recorded(database, image_result([face("happy", "sad"), face("sad", "angry")]))

    def rows() -> tuple[int, ...]:
        with database.engine.connect() as connection:
            return tuple(
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("analyses", "faces", "people")
            )

    assert rows() == (1, 2, 2)
    downgrade(database, "0004")  # drops the progress columns of `analyses`
    assert rows() == (1, 2, 2)
    upgrade(database)
    assert rows() == (1, 2, 2)

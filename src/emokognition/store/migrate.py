"""Apply the Alembic migrations shipped in the package (at service start and `emokognition db`)."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from emokognition.store.db import Database

logger = logging.getLogger(__name__)

# Any constant: serialises migrations of concurrent processes on one PostgreSQL database.
_PG_LOCK_KEY = 0x656D6F6B


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (and at a connection, when given)."""
    config = Config()
    config.set_main_option("script_location", str(files("emokognition.store") / "migrations"))
    config.set_main_option("version_path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the database to `revision`; safe to call from many processes at once."""
    with _exclusive(database) as connection:
        before = current_revision(connection)
        command.upgrade(alembic_config(connection), revision)
        after = current_revision(connection)
    if before != after:
        logger.info("migrated database from %s to %s", before or "empty", after)


def downgrade(database: Database, revision: str) -> None:
    """Migrate the database down to `revision` ("base" removes every table)."""
    with _exclusive(database) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # the package always ships its first migration
        raise RuntimeError("no migrations found in the package")
    return head


@contextmanager
def _exclusive(database: Database) -> Iterator[Connection]:
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.commit()
        return
    database_file = database.engine.url.database
    if not database_file or database_file == ":memory:":
        with database.engine.connect() as connection, _sqlite_transaction(connection):
            yield connection
        return
    # The lock comes before the connection: connecting switches a fresh file to WAL, which
    # needs the file to itself and fails (not waits) while another process migrates it.
    with (
        _file_lock(Path(f"{database_file}.migrate.lock")),
        database.engine.connect() as connection,
        _sqlite_transaction(connection),
    ):
        yield connection


@contextmanager
def _sqlite_transaction(connection: Connection) -> Iterator[None]:
    """All of the migrations or none, with foreign keys off while they run.

    The DBAPI transaction is opened now: Python's sqlite3 begins one only before DML, so the
    migrations' DDL would otherwise commit statement by statement, and a process killed in the
    middle would leave tables without their revision. Foreign keys are off because SQLite
    alters a table by copying it and dropping the old one, and dropping `analyses` with them
    on would delete every face, person and post that points at it (ON DELETE CASCADE); they
    are checked before the commit instead.
    """
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
        connection.commit()
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
